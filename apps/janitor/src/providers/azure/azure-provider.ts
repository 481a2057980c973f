/**
 * `azure`: restarts or deletes the VM or VMSS VM named in the node's providerID through ARM
 * (`@azure/arm-compute`). Subscription and resource group come from the providerID, so no IMDS
 * lookup is needed. Restart and delete are long-running operations: the signal waits only for
 * ARM to accept the request, and the request reference carries the serialised poller, so every
 * readiness check polls the operation once (on any replica). Ready = the operation Succeeded,
 * the instance view says running and provisioned, and the node booted again (new bootID, Ready)
 * — instead of upstream's fixed 5-minute wait.
 */
import type { Agent } from 'node:http';
import { ComputeManagementClient, restorePoller } from '@azure/arm-compute';
import type { TokenCredential } from '@azure/core-auth';
import type { V1Node } from '@kubernetes/client-node';
import {
  CspAuthError,
  CspRequestFailedError,
  CspThrottledError,
  CspUnavailableError,
  InstanceNotFoundError,
  ProviderConfigError,
  RebootFailedError,
} from '../errors.js';
import { bootIdOf, hasRebootedSince, nodeName, providerIdOf } from '../node-facts.js';
import type { CspProvider } from '../provider.js';
import { decodeRequestRef, encodeRequestRef } from '../request-ref.js';
import { retryThrottled, type RetryPolicy } from '../retry.js';
import { describeMachine, parseAzureProviderId, type AzureMachineRef } from './provider-id.js';

export interface AzureProviderOptions {
  /** Token source (workload identity, managed identity…); required. */
  credential?: TokenCredential;
  /** ARM endpoint override (AZURE_RESOURCE_MANAGER_ENDPOINT); must be https. */
  endpoint?: string;
  /** HTTP agent for ARM calls (tests pass one trusting a local CA). */
  agent?: Agent;
  retry?: RetryPolicy;
}

const THROTTLE_CODES = new Set([
  'TooManyRequests',
  'SubscriptionRequestsThrottled',
  'OperationNotAllowedDueToThrottling',
]);

export class AzureProvider implements CspProvider {
  readonly name = 'azure';
  readonly #options: AzureProviderOptions;
  readonly #clients = new Map<string, ComputeManagementClient>();

  constructor(options: AzureProviderOptions) {
    this.#options = options;
  }

  async sendRebootSignal(node: V1Node): Promise<{ requestRef: string }> {
    const ref = parseAzureProviderId(nodeName(node), providerIdOf(node));
    const lro = await this.#call(node, ref, 'restart', async (client) => {
      const poller =
        ref.kind === 'vm'
          ? client.virtualMachines.restart(ref.resourceGroup, ref.vmName)
          : client.virtualMachineScaleSetVMs.restart(ref.resourceGroup, ref.scaleSet, ref.instanceId);
      await poller.submitted();
      return poller.serialize();
    });
    return { requestRef: encodeRequestRef(this.name, { bootID: bootIdOf(node), lro }) };
  }

  async isNodeReady(node: V1Node, requestRef: string): Promise<boolean> {
    const name = nodeName(node);
    const { bootID, lro } = decodeRequestRef(this.name, requestRef, name, ['bootID', 'lro']);
    const ref = parseAzureProviderId(name, providerIdOf(node));
    const operation = await this.#call(node, ref, 'check the restart of', async (client) => {
      const source = ref.kind === 'vm' ? client.virtualMachines.restart : client.virtualMachineScaleSetVMs.restart;
      let poller;
      try {
        poller = restorePoller(client, lro!, source);
      } catch (error) {
        throw new RebootFailedError(
          name,
          `the request reference holds no restart operation (${(error as Error).message}); send a new reboot signal`,
        );
      }
      await poller.poll();
      return poller.operationState;
    });
    const status = operation?.status;
    if (status === 'failed' || status === 'canceled') {
      const detail = operation?.error?.message ?? status;
      throw new RebootFailedError(name, `the ARM restart of ${describeMachine(ref)} ended ${status}: ${detail}`);
    }
    if (status !== 'succeeded') return false;
    const view = await this.#call(node, ref, 'read the instance view of', (client) =>
      ref.kind === 'vm'
        ? client.virtualMachines.instanceView(ref.resourceGroup, ref.vmName)
        : client.virtualMachineScaleSetVMs.getInstanceView(ref.resourceGroup, ref.scaleSet, ref.instanceId),
    );
    const codes = (view.statuses ?? []).map((item) => item.code?.toLowerCase());
    const machineUp = codes.includes('powerstate/running') && codes.includes('provisioningstate/succeeded');
    return machineUp && hasRebootedSince(node, bootID!);
  }

  async sendTerminateSignal(node: V1Node): Promise<{ requestRef: string }> {
    const ref = parseAzureProviderId(nodeName(node), providerIdOf(node));
    const lro = await this.#call(node, ref, 'delete', async (client) => {
      const poller =
        ref.kind === 'vm'
          ? client.virtualMachines.delete(ref.resourceGroup, ref.vmName)
          : client.virtualMachineScaleSetVMs.delete(ref.resourceGroup, ref.scaleSet, ref.instanceId);
      await poller.submitted();
      return poller.serialize();
    });
    return { requestRef: encodeRequestRef(this.name, { machine: describeMachine(ref), lro }) };
  }

  #client(node: V1Node, subscription: string): ComputeManagementClient {
    const { credential, endpoint, agent } = this.#options;
    if (!credential) {
      throw new ProviderConfigError(
        'azure',
        `no Azure credential to act on node ${nodeName(node)}; configure workload identity`,
      );
    }
    let client = this.#clients.get(subscription);
    if (!client) {
      client = new ComputeManagementClient(credential, subscription, {
        ...(endpoint ? { endpoint } : {}),
        ...(agent ? { agent } : {}),
        // One retry policy for every cloud (../retry.ts); the SDK would wait out Retry-After itself.
        retryOptions: { maxRetries: 0 },
      });
      this.#clients.set(subscription, client);
    }
    return client;
  }

  async #call<T>(
    node: V1Node,
    ref: AzureMachineRef,
    action: string,
    call: (client: ComputeManagementClient) => Promise<T>,
  ): Promise<T> {
    const name = nodeName(node);
    const client = this.#client(node, ref.subscription);
    try {
      return await retryThrottled(
        () => call(client),
        (error) => kindOf(error) === 'throttled',
        this.#options.retry,
        ({ attempts, lastError }) =>
          new CspThrottledError('Azure Resource Manager', action, name, attempts, (lastError as Error).message, {
            cause: lastError,
          }),
      );
    } catch (error) {
      if (CspThrottledError.is(error) || RebootFailedError.is(error)) throw error;
      const message = error instanceof Error ? error.message : String(error);
      const armCode = (error as { code?: unknown }).code;
      switch (kindOf(error)) {
        case 'auth':
          throw new CspAuthError('Azure Resource Manager', String(armCode ?? 'Unauthorized'), action, name, message, {
            cause: error,
          });
        case 'not-found':
          throw new InstanceNotFoundError('Azure Resource Manager', describeMachine(ref), name, message, {
            cause: error,
          });
        case 'unavailable':
          throw new CspUnavailableError('Azure Resource Manager', action, name, message, { cause: error });
        default:
          throw new CspRequestFailedError('Azure Resource Manager', action, name, message, { cause: error });
      }
    }
  }
}

/** RestError carries the HTTP status and ARM's error code. */
function kindOf(error: unknown): 'throttled' | 'auth' | 'not-found' | 'unavailable' | 'other' {
  const { statusCode, code } = error as { statusCode?: unknown; code?: unknown };
  if (statusCode === 429 || (typeof code === 'string' && THROTTLE_CODES.has(code))) return 'throttled';
  if (statusCode === 401 || statusCode === 403) return 'auth';
  if (statusCode === 404) return 'not-found';
  if (typeof statusCode !== 'number' || statusCode >= 500) return 'unavailable';
  return 'other';
}
