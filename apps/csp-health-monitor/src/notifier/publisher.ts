/**
 * Sends trigger health events to platform-connectors over its gRPC unix socket (upstream's
 * `healthpub` UDS publisher): `datamodels.PlatformConnector/HealthEventOccurredV1`, retried while
 * the connector is unavailable. platform-connectors answers OK only once the event is stored.
 */
import {
  credentials,
  makeGenericClientConstructor,
  status,
  type MethodDefinition,
  type ServiceError,
} from '@grpc/grpc-js';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { EmptySchema, type Empty } from '@bufbuild/protobuf/wkt';
import { healthEventsToProto, proto, type HealthEvent } from '@nvsentinel/health-model';

const healthEventOccurredV1: MethodDefinition<proto.HealthEvents, Empty> = {
  path: `/${proto.PlatformConnector.typeName}/${proto.PlatformConnector.method.healthEventOccurredV1.name}`,
  requestStream: false,
  responseStream: false,
  requestSerialize: (message) => Buffer.from(toBinary(proto.HealthEventsSchema, message)),
  requestDeserialize: (bytes) => fromBinary(proto.HealthEventsSchema, bytes),
  responseSerialize: (message) => Buffer.from(toBinary(EmptySchema, message)),
  responseDeserialize: (bytes) => fromBinary(EmptySchema, bytes),
  originalName: 'healthEventOccurredV1',
};
const ClientConstructor = makeGenericClientConstructor(
  { HealthEventOccurredV1: healthEventOccurredV1 },
  'PlatformConnector',
);

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
  const target = options.socket.startsWith('unix:') ? options.socket : `unix://${options.socket}`;
  const client = new ClientConstructor(target, credentials.createInsecure()) as unknown as {
    HealthEventOccurredV1(
      message: proto.HealthEvents,
      options: { deadline: Date },
      callback: (err: ServiceError | null) => void,
    ): void;
    close(): void;
  };
  const callOnce = (message: proto.HealthEvents): Promise<void> =>
    new Promise((resolve, reject) => {
      client.HealthEventOccurredV1(
        message,
        { deadline: new Date(Date.now() + (options.callTimeoutMs ?? 30_000)) },
        (err) => (err ? reject(err) : resolve()),
      );
    });
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
