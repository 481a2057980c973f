/**
 * Rows ↔ typed values. Documents go to SQL as Extended-JSON text (dates as {"$date": iso}) and
 * come back through the same codec, so dates survive the round trip and the query translator's
 * date semantics hold. The canonical shape itself is health-model's business.
 */
import {
  fromDocument,
  maintenanceEventFromDocument,
  type HealthEventWithStatus,
  type MaintenanceEvent,
} from '@nvsentinel/health-model';
import { fromJsonValue, toJsonValue } from '../../codec/ejson.js';
import { DatastoreError } from '../../errors.js';

export function encodeJson(value: unknown): string {
  return JSON.stringify(toJsonValue(value));
}

/** A jsonb column value as the driver returned it (parsed already, or text) → canonical value. */
export function decodeJson(value: unknown): unknown {
  return fromJsonValue(typeof value === 'string' ? JSON.parse(value) : value);
}

export function decodeHealthEventRow(document: unknown, provider: string): HealthEventWithStatus {
  const doc = decodeJson(document);
  try {
    return fromDocument(doc);
  } catch (err) {
    const id = (doc as { _id?: unknown } | null)?._id;
    throw new DatastoreError(
      'serialization',
      `stored health event ${String(id)} cannot be decoded: ${(err as Error).message}`,
      {
        provider,
        cause: err,
        details: { id },
      },
    );
  }
}

export function decodeMaintenanceEventRow(document: unknown, provider: string): MaintenanceEvent {
  const doc = decodeJson(document);
  try {
    return maintenanceEventFromDocument(doc);
  } catch (err) {
    throw new DatastoreError('serialization', `stored maintenance event cannot be decoded: ${(err as Error).message}`, {
      provider,
      cause: err,
    });
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * SQL providers issue UUID ids. Any other string cannot name a stored event, so it is treated as
 * unknown (not_found / null) rather than as a malformed request: callers holding ids from another
 * provider's era get the same answer as for a deleted event. Only an empty id is a validation error.
 */
export function isStoredId(id: unknown, provider: string): id is string {
  if (typeof id !== 'string' || id === '') {
    throw new DatastoreError('validation', `event id must be a non-empty string, got ${JSON.stringify(id)}`, {
      provider,
    });
  }
  return UUID.test(id);
}

/** google.protobuf.Timestamp for "now", as status write-backs store it. */
export function nowTimestamp(now = Date.now()): { seconds: number; nanos: number } {
  return { seconds: Math.floor(now / 1000), nanos: (now % 1000) * 1_000_000 };
}
