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
