/**
 * `gcp`: Compute Engine instances.reset / instances.delete for the instance in the node's
 * `gce://project/zone/instance` providerID, over the client's REST transport. The request
 * reference carries the zonal operation; readiness = that operation is DONE without error
 * (upstream's check) AND the node has booted again (new bootID, Ready) — a reset operation is
 * DONE within seconds, long before the guest is back.
 */
import { InstancesClient, ZoneOperationsClient } from '@google-cloud/compute';
import type { V1Node } from '@kubernetes/client-node';
import type { AuthClient } from 'google-auth-library';
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
import { parseGceProviderId, type GceInstanceRef } from './provider-id.js';

export interface GcpProviderOptions {
  /** Compute API endpoint override, e.g. `http://127.0.0.1:8085` (GCP_COMPUTE_ENDPOINT). */
  endpoint?: string;
  /** Credentials; Application Default Credentials (Workload Identity) when unset. */
  authClient?: AuthClient;
  retry?: RetryPolicy;
}

/** gRPC status codes google-gax puts on errors (it maps HTTP statuses onto them). */
const Code = {
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  UNAVAILABLE: 14,
  DEADLINE_EXCEEDED: 4,
  UNAUTHENTICATED: 16,
};

// google-gax retries idempotent calls itself; one retry policy (../retry.ts) applies instead.
const NO_SDK_RETRY = { retry: { retryCodes: [] } };

export class GcpProvider implements CspProvider {
  readonly name = 'gcp';
  readonly #options: GcpProviderOptions;
  #instances: InstancesClient | undefined;
  #operations: ZoneOperationsClient | undefined;

  constructor(options: GcpProviderOptions = {}) {
    this.#options = options;
  }

  async sendRebootSignal(node: V1Node): Promise<{ requestRef: string }> {
    const ref = parseGceProviderId(nodeName(node), providerIdOf(node));
    const [operation] = await this.#call(node, ref, 'reset', () =>
      this.#clients().instances.reset({ ...ref }, NO_SDK_RETRY),
    );
    return {
      requestRef: encodeRequestRef(this.name, { operation: operationName(operation, node), bootID: bootIdOf(node) }),
    };
  }

  async isNodeReady(node: V1Node, requestRef: string): Promise<boolean> {
    const name = nodeName(node);
    const { operation, bootID } = decodeRequestRef(this.name, requestRef, name, ['operation', 'bootID']);
    const ref = parseGceProviderId(name, providerIdOf(node));
    const [state] = await this.#call(node, ref, 'check the reset of', () =>
      this.#clients().operations.get({ project: ref.project, zone: ref.zone, operation: operation! }, NO_SDK_RETRY),
    );
    if (String(state.status) !== 'DONE') return false;
    const errors = state.error?.errors ?? [];
    if (errors.length > 0) {
      throw new RebootFailedError(
        name,
        `operation ${operation} failed: ${errors.map((e) => `${e.code}: ${e.message}`).join('; ')}`,
      );
    }
    return hasRebootedSince(node, bootID!);
  }

  async sendTerminateSignal(node: V1Node): Promise<{ requestRef: string }> {
    const ref = parseGceProviderId(nodeName(node), providerIdOf(node));
    const [operation] = await this.#call(node, ref, 'delete', () =>
      this.#clients().instances.delete({ ...ref }, NO_SDK_RETRY),
    );
    return { requestRef: encodeRequestRef(this.name, { operation: operationName(operation, node) }) };
  }

  /** Closes the clients' connections (tests; the process exits otherwise). */
  async close(): Promise<void> {
    await Promise.all([this.#instances?.close(), this.#operations?.close()]);
  }

  #clients(): { instances: InstancesClient; operations: ZoneOperationsClient } {
    if (!this.#instances || !this.#operations) {
      const options = {
        fallback: true,
        // The compute package bundles its own google-auth-library copy; any AuthClient works at run time.
        ...(this.#options.authClient ? { authClient: this.#options.authClient as never } : {}),
        ...endpointOptions(this.#options.endpoint),
      };
      this.#instances = new InstancesClient(options);
      this.#operations = new ZoneOperationsClient(options);
    }
    return { instances: this.#instances, operations: this.#operations };
  }

  async #call<T>(node: V1Node, ref: GceInstanceRef, action: string, call: () => Promise<T>): Promise<T> {
    const name = nodeName(node);
    try {
      return await retryThrottled(
        call,
        (error) => kindOf(error) === 'throttled',
        this.#options.retry,
        ({ attempts, lastError }) =>
          new CspThrottledError('Compute Engine', action, name, attempts, (lastError as Error).message, {
            cause: lastError,
          }),
      );
    } catch (error) {
      if (CspThrottledError.is(error)) throw error;
      const message = error instanceof Error ? error.message : String(error);
      switch (kindOf(error)) {
        case 'auth':
          throw new CspAuthError('Compute Engine', authReason(error), action, name, message, { cause: error });
        case 'not-found': {
          const instance = `${ref.project}/${ref.zone}/${ref.instance}`;
          throw new InstanceNotFoundError('Compute Engine', instance, name, message, { cause: error });
        }
        case 'unavailable':
          throw new CspUnavailableError('Compute Engine', action, name, message, { cause: error });
        default:
          throw new CspRequestFailedError('Compute Engine', action, name, message, { cause: error });
      }
    }
  }
}

type ErrorKind = 'throttled' | 'auth' | 'not-found' | 'unavailable' | 'other';

/**
 * The REST transport surfaces HTTP failures as GaxiosError (`status` = HTTP status) and its own
 * failures as GoogleError (`code` = gRPC status); both are understood.
 */
function kindOf(error: unknown): ErrorKind {
  const { status, code } = error as { status?: unknown; code?: unknown };
  const http = typeof status === 'number' ? status : typeof code === 'number' && code >= 100 ? code : undefined;
  const grpc = typeof code === 'number' && code < 100 ? code : undefined;
  const text = error instanceof Error ? error.message : '';
  if (http === 429 || grpc === Code.RESOURCE_EXHAUSTED || /"reason":"(user)?[rR]ateLimitExceeded"/.test(text))
    return 'throttled';
  if (http === 401 || http === 403 || grpc === Code.UNAUTHENTICATED || grpc === Code.PERMISSION_DENIED) return 'auth';
  if (http === 404 || grpc === Code.NOT_FOUND) return 'not-found';
  if ((http !== undefined && http >= 500) || grpc === Code.UNAVAILABLE || grpc === Code.DEADLINE_EXCEEDED)
    return 'unavailable';
  if (http === undefined && grpc === undefined) return 'unavailable'; // no answer at all (connection refused, timeout)
  return 'other';
}

function authReason(error: unknown): string {
  const { status, code } = error as { status?: unknown; code?: unknown };
  return status === 401 || code === 401 || code === Code.UNAUTHENTICATED ? 'UNAUTHENTICATED' : 'PERMISSION_DENIED';
}

function operationName(
  operation: { name?: string | null; latestResponse?: { name?: string | null } },
  node: V1Node,
): string {
  const name = operation.latestResponse?.name ?? operation.name;
  if (!name)
    throw new CspRequestFailedError(
      'Compute Engine',
      'read the operation for',
      nodeName(node),
      'the answer had no operation name',
    );
  return name;
}

/** `http://127.0.0.1:8085` → the gax options apiEndpoint/port/protocol. */
function endpointOptions(endpoint: string | undefined): Record<string, unknown> {
  if (!endpoint) return {};
  const url = new URL(endpoint.includes('://') ? endpoint : `https://${endpoint}`);
  const protocol = url.protocol.replace(':', '');
  return { apiEndpoint: url.hostname, port: Number(url.port || (protocol === 'http' ? 80 : 443)), protocol };
}
