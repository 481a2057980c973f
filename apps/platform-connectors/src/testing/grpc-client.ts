/** A plain grpc-js client of PlatformConnector, as a monitor would use it (tests and benchmarks). */
import { credentials, makeGenericClientConstructor, type Metadata, type ServiceError } from '@grpc/grpc-js';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { proto, type HealthEvent, healthEventsToProto } from '@nvsentinel/health-model';
import { platformConnectorService } from '../transport/grpc-service.js';

const ClientConstructor = makeGenericClientConstructor(platformConnectorService, 'PlatformConnector');

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

export function connectGrpc(socketPath: string): PlatformConnectorClient {
  const client = new ClientConstructor(`unix://${socketPath}`, credentials.createInsecure()) as unknown as {
    HealthEventOccurredV1(message: proto.HealthEvents, callback: (err: ServiceError | null) => void): void;
    close(): void;
  };
  const send = (message: proto.HealthEvents): Promise<SendResult> =>
    new Promise((resolve) => {
      client.HealthEventOccurredV1(message, (err) =>
        resolve(err ? { ok: false, code: err.code, details: err.details, metadata: err.metadata } : { ok: true }),
      );
    });
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
