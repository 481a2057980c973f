import { toJson, type JsonObject } from '@bufbuild/protobuf';
import * as pb from '../gen/health_event_pb.js';
import type { HealthEvent } from '../model/types.js';
import { healthEventsToProto, healthEventToProto } from '../proto/convert.js';

/**
 * A HealthEvent in proto3 JSON, exactly as protobuf-es writes it (enum names, RFC 3339
 * timestamps), with every field present so readers never have to know proto3 defaults.
 * validateHealthEvent(toProtoJson(e)) gives back e.
 */
export function toProtoJson(event: HealthEvent): JsonObject {
  return toJson(pb.HealthEventSchema, healthEventToProto(event), { alwaysEmitImplicit: true }) as JsonObject;
}

/** The `{version, events}` envelope in proto3 JSON. */
export function healthEventsToProtoJson(events: readonly HealthEvent[], version = 1): JsonObject {
  return toJson(pb.HealthEventsSchema, healthEventsToProto(events, version), {
    alwaysEmitImplicit: true,
  }) as JsonObject;
}
