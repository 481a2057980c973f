/**
 * The grpc-js service definition of upstream's `datamodels.PlatformConnector`, (de)serialised
 * with the generated protobuf-es schemas, so existing NVSentinel health monitors talk to us
 * unchanged. Shared by the server and by test/benchmark clients.
 */
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { EmptySchema, type Empty } from '@bufbuild/protobuf/wkt';
import { proto } from '@nvsentinel/health-model';

export const HEALTH_EVENT_OCCURRED_PATH = `/${proto.PlatformConnector.typeName}/${proto.PlatformConnector.method.healthEventOccurredV1.name}`;

export const EMPTY: Empty = create(EmptySchema);

const healthEventOccurredV1: MethodDefinition<proto.HealthEvents, Empty> = {
  path: HEALTH_EVENT_OCCURRED_PATH,
  requestStream: false,
  responseStream: false,
  requestSerialize: (message) => Buffer.from(toBinary(proto.HealthEventsSchema, message)),
  requestDeserialize: (bytes) => fromBinary(proto.HealthEventsSchema, bytes),
  responseSerialize: (message) => Buffer.from(toBinary(EmptySchema, message)),
  responseDeserialize: (bytes) => fromBinary(EmptySchema, bytes),
  originalName: 'healthEventOccurredV1',
};

export const platformConnectorService = { HealthEventOccurredV1: healthEventOccurredV1 } satisfies ServiceDefinition;

/**
 * What the server's deserializer hands the handler: the message, or why the bytes are not one.
 * grpc-js answers INTERNAL when a deserializer throws, but bytes that are not a HealthEvents
 * message (garbage, truncated, invalid UTF-8 in a string) are the caller's fault, so the server
 * decodes without throwing and the handler answers INVALID_ARGUMENT.
 */
export type DecodedRequest = { message: proto.HealthEvents } | { undecodable: string };

function decodeHealthEventsRequest(bytes: Uint8Array): DecodedRequest {
  try {
    return { message: fromBinary(proto.HealthEventsSchema, bytes) };
  } catch (err) {
    return { undecodable: err instanceof Error ? err.message : String(err) };
  }
}

const serverHealthEventOccurredV1: MethodDefinition<DecodedRequest, Empty> = {
  ...healthEventOccurredV1,
  requestSerialize: (request) =>
    Buffer.from('message' in request ? toBinary(proto.HealthEventsSchema, request.message) : new Uint8Array()),
  requestDeserialize: decodeHealthEventsRequest,
};

/** The server side of PlatformConnector (clients keep using platformConnectorService). */
export const platformConnectorServerService = {
  HealthEventOccurredV1: serverHealthEventOccurredV1,
} satisfies ServiceDefinition;
