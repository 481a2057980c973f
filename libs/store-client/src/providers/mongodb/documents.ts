/**
 * Canonical documents (health-model's toDocument/fromDocument) ↔ what MongoDB stores. The only
 * difference is `_id`: an ObjectId in MongoDB, its hex string everywhere else.
 */
import { ObjectId, type Document } from 'mongodb';
import {
  fromDocument,
  maintenanceEventFromDocument,
  timestampFromDate,
  toDocument,
  type HealthEventWithStatus,
  type MaintenanceEvent,
  type Timestamp,
} from '@nvsentinel/health-model';

import { DatastoreError } from '../../errors.js';
import { PROVIDER_NAME } from './defaults.js';

/** The stored form of a health event whose `id` is a 24-hex ObjectId string. */
export function healthEventToBson(record: HealthEventWithStatus): Document {
  return { ...toDocument(record), _id: ObjectId.createFromHexString(record.id) };
}

export function healthEventFromBson(doc: Document): HealthEventWithStatus {
  try {
    return fromDocument(doc); // accepts the ObjectId `_id` and returns its hex string
  } catch (err) {
    throw undecodable('health event', doc, err);
  }
}

export function maintenanceEventFromBson(doc: Document): MaintenanceEvent {
  try {
    return maintenanceEventFromDocument(doc); // ignores `_id`
  } catch (err) {
    throw undecodable('maintenance event', doc, err);
  }
}

/** `{seconds, nanos}` of now, the stored form of the *finishtimestamp status fields. */
export function nowTimestamp(now: Date = new Date()): Timestamp {
  return timestampFromDate(now);
}

function undecodable(kind: string, doc: Document, cause: unknown): DatastoreError {
  const id = (doc._id as { toHexString?: () => string } | undefined)?.toHexString?.() ?? String(doc._id);
  return new DatastoreError(
    'serialization',
    `stored ${kind} ${id} cannot be decoded: ${cause instanceof Error ? cause.message : String(cause)}. ` +
      'It was probably written by another tool; fix or delete that document.',
    { provider: PROVIDER_NAME, cause, details: { id } },
  );
}
