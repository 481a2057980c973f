/**
 * Publishes rule matches as new health events through the platform connector's gRPC socket
 * (`HealthEventOccurredV1`), exactly as a health monitor would, so they are validated, stored and
 * acted on like any other event. Upstream's retry: exponential backoff, 5 steps, 5 s base,
 * factor 2, jitter 0.1, and only on UNAVAILABLE; any other error fails at once.
 */
import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { healthEventsToProto, type HealthEvent } from '@nvsentinel/health-model';
import { connectPlatformConnector } from '@nvsentinel/health-model/grpc';
import { PublishError } from '../errors.js';

export interface PublishRetryPolicy {
  steps: number;
  baseMs: number;
  factor: number;
  jitter: number;
}

export const UPSTREAM_PUBLISH_RETRY: PublishRetryPolicy = { steps: 5, baseMs: 5_000, factor: 2, jitter: 0.1 };

type PublishErrorType = 'retryable_error' | 'non_retryable_error' | 'event_publishing_to_UDS_error';

export interface Publisher {
  publish(event: HealthEvent, signal?: AbortSignal): Promise<void>;
  close(): void;
}

export interface PublisherOptions {
  /** `unix:///var/run/nvsentinel.sock`, `unix:/path` or a plain path. */
  socket: string;
  retry?: PublishRetryPolicy;
  onError?(type: PublishErrorType): void;
}

export function createGrpcPublisher(options: PublisherOptions): Publisher {
  const retry = options.retry ?? UPSTREAM_PUBLISH_RETRY;
  const client = connectPlatformConnector(options.socket);
  const sendOnce = (message: ReturnType<typeof healthEventsToProto>) =>
    client.send(message).then(
      () => null,
      (err: ServiceError) => err,
    );

  return {
    async publish(event, signal) {
      const message = healthEventsToProto([event]);
      let delay = retry.baseMs;
      for (let step = 1; ; step++) {
        const err = await sendOnce(message);
        if (!err) return;
        const retryable = err.code === GrpcStatus.UNAVAILABLE;
        options.onError?.(retryable ? 'retryable_error' : 'non_retryable_error');
        if (!retryable || step >= retry.steps || signal?.aborted) {
          options.onError?.('event_publishing_to_UDS_error');
          throw new PublishError(
            event.checkName,
            event.nodeName,
            `${GrpcStatus[err.code] ?? err.code}: ${err.details}`,
            { cause: err },
          );
        }
        const wait = delay * (1 + retry.jitter * Math.random());
        await new Promise((resolve) => setTimeout(resolve, wait));
        delay *= retry.factor;
      }
    },
    close: () => client.close(),
  };
}
