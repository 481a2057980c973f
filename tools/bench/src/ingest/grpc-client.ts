/**
 * A monitor-side gRPC client of `datamodels.PlatformConnector` built from health-model's
 * generated schemas (the benchmark talks to the service the way a health monitor does: over
 * the unix socket, in another process).
 */
import { credentials, makeGenericClientConstructor, type ServiceDefinition, type ServiceError } from '@grpc/grpc-js';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { EmptySchema } from '@bufbuild/protobuf/wkt';
import { proto } from '@nvsentinel/health-model';

export const platformConnectorDefinition = {
  HealthEventOccurredV1: {
    path: `/${proto.PlatformConnector.typeName}/${proto.PlatformConnector.method.healthEventOccurredV1.name}`,
    requestStream: false,
    responseStream: false,
    requestSerialize: (m: proto.HealthEvents) => Buffer.from(toBinary(proto.HealthEventsSchema, m)),
    requestDeserialize: (b: Buffer) => fromBinary(proto.HealthEventsSchema, b),
    responseSerialize: (m: unknown) => Buffer.from(toBinary(EmptySchema, m as never)),
    responseDeserialize: (b: Buffer) => fromBinary(EmptySchema, b),
  },
} satisfies ServiceDefinition;

/**
 * The client side sends pre-encoded bytes: a benchmark's fixed messages need encoding once, not
 * per call, so the generator's CPU (same machine) does not compete with the service measured.
 */
const preEncodedDefinition = {
  HealthEventOccurredV1: {
    ...platformConnectorDefinition.HealthEventOccurredV1,
    requestSerialize: (bytes: Buffer) => bytes,
  },
};

const Client = makeGenericClientConstructor(preEncodedDefinition as unknown as ServiceDefinition, 'PlatformConnector');

/** Encodes a batch once for `IngestClient.send`. */
export function encodeHealthEvents(message: proto.HealthEvents): Buffer {
  return Buffer.from(toBinary(proto.HealthEventsSchema, message));
}

export interface IngestClient {
  /** Sends an encoded `HealthEvents` (see encodeHealthEvents); null when acknowledged, else the gRPC error. */
  send(encoded: Buffer): Promise<ServiceError | null>;
  close(): void;
}

export function connect(socketPath: string, channelId: number): IngestClient {
  // A distinct channel option makes grpc-js open a separate connection per client.
  const client = new Client(`unix://${socketPath}`, credentials.createInsecure(), {
    'grpc.channel_id': channelId,
  }) as unknown as {
    HealthEventOccurredV1(m: Buffer, cb: (err: ServiceError | null) => void): void;
    close(): void;
  };
  return {
    send: (message) => new Promise((resolve) => client.HealthEventOccurredV1(message, (err) => resolve(err))),
    close: () => client.close(),
  };
}
