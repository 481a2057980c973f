/** A plain client of PlatformConnector, as a monitor would use it (tests and benchmarks). */
import type { Metadata, ServiceError } from '@grpc/grpc-js';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { proto, type HealthEvent, healthEventsToProto } from '@nvsentinel/health-model';
import { connectPlatformConnector } from '@nvsentinel/health-model/grpc';

export interface SendResult {
  ok: boolean;
  code?: number;
  details?: string;
  metadata?: Metadata;
}

export interface PlatformConnectorClient {
  send(message: proto.HealthEvents): Promise<SendResult>;
  sendEvents(events: readonly HealthEvent[]): Promise<SendResult>;
  close(): void;
}

/** Like health-model's client, but answers with the outcome instead of rejecting, for assertions. */
export function connectGrpc(socketPath: string): PlatformConnectorClient {
  const client = connectPlatformConnector(socketPath);
  const send = (message: proto.HealthEvents): Promise<SendResult> =>
    client.send(message).then(
      () => ({ ok: true }),
      (err: ServiceError) => ({ ok: false, code: err.code, details: err.details, metadata: err.metadata }),
    );
  return {
    send,
    sendEvents: (events) => send(healthEventsToProto(events)),
    close: () => client.close(),
  };
}

/** A raw protobuf message (bypasses the model, e.g. to send what validation must refuse). */
export function rawHealthEvents(events: MessageInitShape<typeof proto.HealthEventSchema>[]): proto.HealthEvents {
  return create(proto.HealthEventsSchema, {
    version: 1,
    events: events.map((e) => create(proto.HealthEventSchema, e)),
  });
}
