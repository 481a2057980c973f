/**
 * `aws`: EC2 RebootInstances / TerminateInstances for the instance in the node's providerID.
 * Readiness is not upstream's fixed 5-minute timer: the instance must be running with passing
 * status checks (DescribeInstanceStatus) AND the node must have booted again (new bootID, Ready),
 * so a fast reboot is noticed at once and a slow one is never declared done early.
 */
import {
  DescribeInstanceStatusCommand,
  EC2Client,
  EC2ServiceException,
  RebootInstancesCommand,
  TerminateInstancesCommand,
  type EC2ClientConfig,
} from '@aws-sdk/client-ec2';
import type { V1Node } from '@kubernetes/client-node';
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
import { parseAwsProviderId, type AwsInstanceRef } from './provider-id.js';

export interface AwsProviderOptions {
  /** Region of every call; by default the one the node's zone belongs to. */
  region?: string;
  /** EC2 endpoint override (AWS_ENDPOINT_URL_EC2), e.g. a local fake. */
  endpoint?: string;
  /** Static credentials; the SDK's default chain (IRSA, instance profile) when unset. */
  credentials?: EC2ClientConfig['credentials'];
  retry?: RetryPolicy;
}

const THROTTLING = new Set([
  'RequestLimitExceeded',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestThrottled',
]);
const AUTH = new Set([
  'AuthFailure',
  'UnauthorizedOperation',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'OptInRequired',
  'Blocked',
]);
const NOT_FOUND = new Set(['InvalidInstanceID.NotFound', 'InvalidInstanceID.Malformed']);
const SERVER_SIDE = new Set(['InternalError', 'Unavailable', 'ServiceUnavailable']);

export class AwsProvider implements CspProvider {
  readonly name = 'aws';
  readonly #options: AwsProviderOptions;
  readonly #clients = new Map<string, EC2Client>();

  constructor(options: AwsProviderOptions = {}) {
    this.#options = options;
  }

  async sendRebootSignal(node: V1Node): Promise<{ requestRef: string }> {
    const ref = parseAwsProviderId(nodeName(node), providerIdOf(node));
    await this.#send(node, ref, 'reboot', (client) =>
      client.send(new RebootInstancesCommand({ InstanceIds: [ref.instanceId] })),
    );
    return {
      requestRef: encodeRequestRef(this.name, {
        instance: ref.instanceId,
        bootID: bootIdOf(node),
        at: new Date().toISOString(),
      }),
    };
  }

  async isNodeReady(node: V1Node, requestRef: string): Promise<boolean> {
    const name = nodeName(node);
    const { bootID } = decodeRequestRef(this.name, requestRef, name, ['bootID']);
    const ref = parseAwsProviderId(name, providerIdOf(node));
    const answer = await this.#send(node, ref, 'check the reboot of', (client) =>
      client.send(new DescribeInstanceStatusCommand({ InstanceIds: [ref.instanceId], IncludeAllInstances: true })),
    );
    const status = answer.InstanceStatuses?.find((item) => item.InstanceId === ref.instanceId);
    if (!status) throw new InstanceNotFoundError('EC2', ref.instanceId, name, 'DescribeInstanceStatus did not list it');
    const state = status.InstanceState?.Name;
    if (state === 'terminated' || state === 'shutting-down') {
      throw new RebootFailedError(name, `EC2 instance ${ref.instanceId} is ${state}; it will not come back`);
    }
    const checksPass = status.InstanceStatus?.Status === 'ok' && status.SystemStatus?.Status === 'ok';
    return state === 'running' && checksPass && hasRebootedSince(node, bootID!);
  }

  async sendTerminateSignal(node: V1Node): Promise<{ requestRef: string }> {
    const ref = parseAwsProviderId(nodeName(node), providerIdOf(node));
    const answer = await this.#send(node, ref, 'terminate', (client) =>
      client.send(new TerminateInstancesCommand({ InstanceIds: [ref.instanceId] })),
    );
    const state = answer.TerminatingInstances?.[0]?.CurrentState?.Name ?? 'unknown';
    return {
      requestRef: encodeRequestRef(this.name, { instance: ref.instanceId, state, at: new Date().toISOString() }),
    };
  }

  #client(region: string): EC2Client {
    let client = this.#clients.get(region);
    if (!client) {
      client = new EC2Client({
        region,
        // One retry policy for every cloud (../retry.ts): the SDK makes exactly one attempt per call.
        maxAttempts: 1,
        ...(this.#options.endpoint ? { endpoint: this.#options.endpoint } : {}),
        ...(this.#options.credentials ? { credentials: this.#options.credentials } : {}),
      });
      this.#clients.set(region, client);
    }
    return client;
  }

  async #send<Output>(
    node: V1Node,
    ref: AwsInstanceRef,
    action: string,
    call: (client: EC2Client) => Promise<Output>,
  ): Promise<Output> {
    const name = nodeName(node);
    const client = this.#client(this.#options.region ?? ref.region);
    try {
      return await retryThrottled(
        () => call(client),
        (error) => error instanceof EC2ServiceException && THROTTLING.has(error.name),
        this.#options.retry,
        ({ attempts, lastError }) =>
          new CspThrottledError('EC2', action, name, attempts, (lastError as Error).message, { cause: lastError }),
      );
    } catch (error) {
      throw classify(error, action, name, ref);
    }
  }
}

function classify(error: unknown, action: string, node: string, ref: AwsInstanceRef): Error {
  if (CspThrottledError.is(error)) return error as Error;
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof EC2ServiceException) {
    const code = error.name;
    if (AUTH.has(code)) return new CspAuthError('EC2', code, action, node, message, { cause: error });
    if (NOT_FOUND.has(code)) return new InstanceNotFoundError('EC2', ref.instanceId, node, message, { cause: error });
    if (SERVER_SIDE.has(code) || (error.$metadata.httpStatusCode ?? 0) >= 500) {
      return new CspUnavailableError('EC2', action, node, `${code}: ${message}`, { cause: error });
    }
    return new CspRequestFailedError('EC2', action, node, `${code}: ${message}`, { cause: error });
  }
  // No answer at all (connection refused, DNS, timeout): the cloud may be back later.
  return new CspUnavailableError('EC2', action, node, message, { cause: error });
}
