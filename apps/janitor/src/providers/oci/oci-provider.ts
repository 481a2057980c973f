/**
 * `oci`: InstanceAction RESET (hard, upstream #1819; SOFTRESET with OCI_HARD_RESET=false) and
 * TerminateInstance for the instance OCID in the node's providerID, via `oci-core`. Readiness is
 * not upstream's 5-minute timer: GetInstance must report RUNNING and the node must have booted
 * again (new bootID, Ready).
 */
import type { V1Node } from '@kubernetes/client-node';
import * as common from 'oci-common';
import { ComputeClient } from 'oci-core';
import {
  CspAuthError,
  CspRequestFailedError,
  CspThrottledError,
  CspUnavailableError,
  InstanceNotFoundError,
  RebootFailedError,
} from '../errors.js';
import { bootIdOf, hasRebootedSince, nodeName, providerIdOf } from '../node-facts.js';
import type { CspProvider } from '../provider.js';
import { decodeRequestRef, encodeRequestRef } from '../request-ref.js';
import { retryThrottled, type RetryPolicy } from '../retry.js';
import { parseOciProviderId } from './provider-id.js';

export type OciAuthProvider = common.AuthenticationDetailsProvider;

export interface OciProviderOptions {
  auth: OciAuthProvider;
  /** Region id (e.g. us-phoenix-1) when the auth provider does not name one. */
  region?: string;
  /** Compute API endpoint override (OCI_COMPUTE_ENDPOINT), e.g. a local fake. */
  endpoint?: string;
  /** RESET (power cycle) instead of SOFTRESET (ACPI reboot). Default true, as upstream #1819. */
  hardReset?: boolean;
  retry?: RetryPolicy;
}

/** API-key config file, or instance principals (the node pool's dynamic group) when there is none. */
export async function defaultOciAuth(credentialsFile: string | undefined, profile: string): Promise<OciAuthProvider> {
  if (credentialsFile) return new common.ConfigFileAuthenticationDetailsProvider(credentialsFile, profile);
  return new common.InstancePrincipalsAuthenticationDetailsProviderBuilder().build();
}

export class OciProvider implements CspProvider {
  readonly name = 'oci';
  readonly #options: OciProviderOptions;
  #client: ComputeClient | undefined;

  constructor(options: OciProviderOptions) {
    this.#options = options;
  }

  async sendRebootSignal(node: V1Node): Promise<{ requestRef: string }> {
    const instanceId = parseOciProviderId(nodeName(node), providerIdOf(node));
    const action = this.#options.hardReset === false ? 'SOFTRESET' : 'RESET';
    await this.#call(node, instanceId, 'reboot', (client) => client.instanceAction({ instanceId, action }));
    return {
      requestRef: encodeRequestRef(this.name, { action, bootID: bootIdOf(node), at: new Date().toISOString() }),
    };
  }

  async isNodeReady(node: V1Node, requestRef: string): Promise<boolean> {
    const name = nodeName(node);
    const { bootID } = decodeRequestRef(this.name, requestRef, name, ['bootID']);
    const instanceId = parseOciProviderId(name, providerIdOf(node));
    const { instance } = await this.#call(node, instanceId, 'check the reboot of', (client) =>
      client.getInstance({ instanceId }),
    );
    const state = String(instance.lifecycleState);
    if (state === 'TERMINATING' || state === 'TERMINATED') {
      throw new RebootFailedError(name, `OCI instance ${instanceId} is ${state}; it will not come back`);
    }
    return state === 'RUNNING' && hasRebootedSince(node, bootID!);
  }

  async sendTerminateSignal(node: V1Node): Promise<{ requestRef: string }> {
    const instanceId = parseOciProviderId(nodeName(node), providerIdOf(node));
    const { opcRequestId } = await this.#call(node, instanceId, 'terminate', (client) =>
      client.terminateInstance({ instanceId }),
    );
    return { requestRef: encodeRequestRef(this.name, { instance: instanceId, opcRequestId: opcRequestId ?? '' }) };
  }

  close(): void {
    this.#client?.close();
  }

  #compute(): ComputeClient {
    if (!this.#client) {
      this.#client = new ComputeClient(
        { authenticationDetailsProvider: this.#options.auth },
        {
          // One retry policy for every cloud (../retry.ts), and no circuit breaker turning
          // throttling into fast local failures.
          retryConfiguration: common.NoRetryConfigurationDetails,
          circuitBreaker: new common.CircuitBreaker({ disableClientCircuitBreaker: true }),
        },
      );
      if (this.#options.region) this.#client.regionId = this.#options.region;
      if (this.#options.endpoint) this.#client.endpoint = this.#options.endpoint;
    }
    return this.#client;
  }

  async #call<T>(
    node: V1Node,
    instanceId: string,
    action: string,
    call: (client: ComputeClient) => Promise<T>,
  ): Promise<T> {
    const name = nodeName(node);
    const client = this.#compute();
    try {
      return await retryThrottled(
        () => call(client),
        (error) => statusOf(error) === 429,
        this.#options.retry,
        ({ attempts, lastError }) =>
          new CspThrottledError('OCI Compute', action, name, attempts, (lastError as Error).message, {
            cause: lastError,
          }),
      );
    } catch (error) {
      if (CspThrottledError.is(error)) throw error;
      const message = error instanceof Error ? error.message : String(error);
      const status = statusOf(error);
      const serviceCode = String((error as { serviceCode?: unknown }).serviceCode ?? status ?? 'error');
      if (status === 401 || status === 403)
        throw new CspAuthError('OCI Compute', serviceCode, action, name, message, { cause: error });
      // OCI answers 404 NotAuthorizedOrNotFound for both; the message says so.
      if (status === 404) throw new InstanceNotFoundError('OCI Compute', instanceId, name, message, { cause: error });
      if (status === undefined || status >= 500 || status === -1) {
        throw new CspUnavailableError('OCI Compute', action, name, message, { cause: error });
      }
      throw new CspRequestFailedError('OCI Compute', action, name, `${serviceCode}: ${message}`, { cause: error });
    }
  }
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' ? status : undefined;
}
