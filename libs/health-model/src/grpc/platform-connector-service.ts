/**
 * The grpc-js definition of upstream's `datamodels.PlatformConnector` service, (de)serialised with
 * the generated protobuf-es schemas. One definition for the server (platform-connectors), every
 * client (the analyzer's and the CSP notifier's publishers, the CLI) and test doubles, so the wire
 * format cannot drift between them.
 */
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { EmptySchema, type Empty } from '@bufbuild/protobuf/wkt';
import * as proto from '../gen/health_event_pb.js';

export const HEALTH_EVENT_OCCURRED_PATH = `/${proto.PlatformConnector.typeName}/${proto.PlatformConnector.method.healthEventOccurredV1.name}`;

/** The (empty) answer of HealthEventOccurredV1. */
export const EMPTY: Empty = create(EmptySchema);

export const healthEventOccurredV1: MethodDefinition<proto.HealthEvents, Empty> = {
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
