/**
 * Sends trigger health events to platform-connectors over its gRPC unix socket (upstream's
 * `healthpub` UDS publisher): `datamodels.PlatformConnector/HealthEventOccurredV1`, retried while
 * the connector is unavailable. platform-connectors answers OK only once the event is stored.
 */
import { status, type ServiceError } from '@grpc/grpc-js';
import { healthEventsToProto, type HealthEvent } from '@nvsentinel/health-model';
import { connectPlatformConnector } from '@nvsentinel/health-model/grpc';

/** Codes after which a resend may succeed. */
const RETRYABLE = new Set<number>([
  status.UNAVAILABLE,
  status.DEADLINE_EXCEEDED,
  status.RESOURCE_EXHAUSTED,
  status.ABORTED,
]);

export interface HealthEventPublisher {
  publish(event: HealthEvent): Promise<void>;
  close(): void;
}

export interface GrpcPublisherOptions {
  /** Path of the socket (`/run/nvsentinel/nvsentinel.sock`) or a `unix://` target. */
  socket: string;
  retries: number;
  retryDelayMs: number;
  /** Deadline of one call. Default 30 s. */
  callTimeoutMs?: number;
  onAttemptFailed?(err: ServiceError, attempt: number): void;
}

export function createGrpcPublisher(options: GrpcPublisherOptions): HealthEventPublisher {
  const client = connectPlatformConnector(options.socket);
  const callOnce = (message: ReturnType<typeof healthEventsToProto>): Promise<void> =>
    client.send(message, { timeoutMs: options.callTimeoutMs ?? 30_000 });
  return {
    async publish(event) {
      const message = healthEventsToProto([event]);
      for (let attempt = 1; ; attempt++) {
        try {
          await callOnce(message);
          return;
        } catch (err) {
          const e = err as ServiceError;
          options.onAttemptFailed?.(e, attempt);
          if (!RETRYABLE.has(e.code) || attempt > options.retries) throw err;
          await new Promise((resolve) => setTimeout(resolve, options.retryDelayMs));
        }
      }
    },
    close: () => client.close(),
  };
}
