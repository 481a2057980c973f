import type { DescMessage } from '@bufbuild/protobuf';
import * as pb from '../gen/health_event_pb.js';

/**
 * The JSON keys a message accepts, taken from the generated descriptor so they can never
 * drift from health_event.proto: proto3 JSON parsers accept a field's JSON name and its
 * original proto name (identical here, since upstream's proto uses camelCase field names).
 */
export interface MessageFieldNames {
  /** Every accepted key → the field's local (model) name. */
  readonly byKey: ReadonlyMap<string, string>;
  /** Accepted keys, JSON names first, for "known fields" hints. */
  readonly keys: readonly string[];
  /** Local name → the JSON name used in issue paths. */
  readonly jsonName: ReadonlyMap<string, string>;
}

function fieldNames(schema: DescMessage): MessageFieldNames {
  const byKey = new Map<string, string>();
  const jsonName = new Map<string, string>();
  for (const field of schema.fields) {
    byKey.set(field.jsonName, field.localName);
    byKey.set(field.name, field.localName);
    jsonName.set(field.localName, field.jsonName);
  }
  return { byKey, keys: [...byKey.keys()], jsonName };
}

export const HealthEventsFields = fieldNames(pb.HealthEventsSchema);
export const HealthEventFields = fieldNames(pb.HealthEventSchema);
export const EntityFields = fieldNames(pb.EntitySchema);
export const BehaviourOverridesFields = fieldNames(pb.BehaviourOverridesSchema);
