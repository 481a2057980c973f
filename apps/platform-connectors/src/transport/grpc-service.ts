/**
 * The server side of upstream's `datamodels.PlatformConnector`. The wire definition is shared with
 * every client in `@nvsentinel/health-model/grpc`; the server differs only in how it decodes.
 */
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import type { Empty } from '@bufbuild/protobuf/wkt';
import { proto } from '@nvsentinel/health-model';
import { healthEventOccurredV1 } from '@nvsentinel/health-model/grpc';

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

/** The server side of PlatformConnector (clients use health-model's platformConnectorService). */
export const platformConnectorServerService = {
  HealthEventOccurredV1: serverHealthEventOccurredV1,
} satisfies ServiceDefinition;
