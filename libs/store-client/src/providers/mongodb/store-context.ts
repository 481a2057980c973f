/**
 * What the MongoDB stores share: collections, hooks, and the two error helpers every method uses
 * so messages and codes are the same across the provider (and match the SQL providers' wording).
 */
import type { Collection, Db, Document } from 'mongodb';

import { DatastoreError, type DatastoreErrorCode } from '../../errors.js';
import type { ChangeStream } from '../../interfaces.js';
import { PROVIDER_NAME, type MongoCollectionNames } from './defaults.js';
import { toDatastoreError } from './driver-errors.js';
import type { MongoProviderHooks, MongoLogger } from './hooks.js';
import type { ReconnectPolicy } from './reconnect-policy.js';

export interface MongoStoreContext {
  db: Db;
  names: MongoCollectionNames;
  healthEvents: Collection<Document>;
  maintenanceEvents: Collection<Document>;
  logger: MongoLogger;
  hooks: MongoProviderHooks;
  changeStreamPolicy: ReconnectPolicy;
  /** Looks at the server topology once, before the first change stream opens. */
  inspectTopology(): Promise<void>;
  /** A clearer error for a change stream the server refused, when the topology explains it. */
  explainChangeStreamFailure(err: unknown): DatastoreError | undefined;
  /** Runs one driver call: fails with code `closed` after close(), maps whatever the driver throws. */
  run<T>(code: DatastoreErrorCode, action: string, fn: () => Promise<T>): Promise<T>;
  streamOpened(stream: ChangeStream): void;
  streamClosed(stream: ChangeStream): void;
}

export function validationError(message: string, details?: Record<string, unknown>): DatastoreError {
  return new DatastoreError('validation', message, { provider: PROVIDER_NAME, ...(details ? { details } : {}) });
}

export function notFoundError(what: string, id: string): DatastoreError {
  return new DatastoreError('not_found', `${what} not found: ${id}`, { provider: PROVIDER_NAME, details: { id } });
}

/** Runs one driver call and maps whatever it throws. */
export async function runMapped<T>(code: DatastoreErrorCode, action: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toDatastoreError(err, code, action);
  }
}

/** Ids are non-empty strings; an empty one is a caller bug, not an unknown document. */
export function requireId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || id === '')
    throw validationError(`id must be a non-empty string, got ${JSON.stringify(id)}`);
}

export function requireString(name: string, value: unknown): void {
  if (typeof value !== 'string') throw validationError(`${name} must be a string, got ${JSON.stringify(value)}`);
}

export function requireFilter(filter: unknown): void {
  if (!filter || typeof filter !== 'object' || Array.isArray(filter)) {
    throw validationError(`filter must be a MongoDB filter object, got ${JSON.stringify(filter)}`);
  }
}

export function requirePipeline(pipeline: unknown): void {
  if (!Array.isArray(pipeline)) throw validationError('aggregate: pipeline must be an array of stages');
}
