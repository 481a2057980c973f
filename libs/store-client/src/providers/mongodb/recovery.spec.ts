import { MongoClient, MongoErrorLabel, MongoNetworkError, MongoServerError, MongoServerSelectionError } from 'mongodb';
import { beforeAll, describe, expect, it } from 'vitest';

import { DatastoreError } from '../../errors.js';
import { toDatastoreError } from './driver-errors.js';
import { decideRecovery, type RecoveryContext } from './recovery.js';

const serverError = (code: number, errorLabels: string[] = []) =>
  new MongoServerError({ message: `server error ${code}`, code, errorLabels });

const atOpenWithToken: RecoveryContext = { phase: 'initialization', openedWithToken: true };
const atOpenFromNow: RecoveryContext = { phase: 'initialization', openedWithToken: false };
const atRuntime: RecoveryContext = { phase: 'runtime', openedWithToken: false };

/** A genuine server-selection failure from the driver: nothing listens on port 1. */
let selectionError: unknown;
beforeAll(async () => {
  const client = new MongoClient('mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=100');
  selectionError = await client
    .db('x')
    .command({ ping: 1 })
    .catch((e: unknown) => e);
  await client.close();
});

describe('decideRecovery', () => {
  it.each([286, 280, 260, 9])('restarts from now when the token is unusable (code %i) at open', (code) => {
    expect(decideRecovery(serverError(code), atOpenWithToken)).toBe('restart-from-now');
  });

  it.each([286, 280, 260, 9])('restarts from now when the token is unusable (code %i) at runtime', (code) => {
    expect(decideRecovery(serverError(code), atRuntime)).toBe('restart-from-now');
  });

  it.each([286, 9])('is fatal for code %i at an open without a token (restarting would loop)', (code) => {
    expect(decideRecovery(serverError(code), atOpenFromNow)).toBe('fatal');
  });

  it('sees the server code through a DatastoreError wrapper', () => {
    const wrapped = toDatastoreError(serverError(286), 'change_stream', 'reading');
    expect(decideRecovery(wrapped, atRuntime)).toBe('restart-from-now');
  });

  it('replaces a stored token that does not decode', () => {
    expect(decideRecovery(new DatastoreError('resume_token', 'bad token'), atOpenWithToken)).toBe('restart-from-now');
  });

  it('retries network and server-selection failures', () => {
    expect(selectionError).toBeInstanceOf(MongoServerSelectionError);
    expect(decideRecovery(selectionError, atRuntime)).toBe('retry');
    expect(decideRecovery(new MongoNetworkError('connection reset'), atOpenWithToken)).toBe('retry');
  });

  it('retries errors the server labels resumable and the classic transient codes', () => {
    expect(decideRecovery(serverError(1234, [MongoErrorLabel.ResumableChangeStreamError]), atRuntime)).toBe('retry');
    for (const code of [91, 189, 10107, 11600, 11602, 13436, 43]) {
      expect(decideRecovery(serverError(code), atRuntime)).toBe('retry');
    }
  });

  it('is fatal for authentication, bad pipelines and plain programming errors', () => {
    expect(decideRecovery(serverError(18), atRuntime)).toBe('fatal');
    expect(decideRecovery(serverError(40324), atOpenFromNow)).toBe('fatal');
    expect(decideRecovery(new TypeError('boom'), atRuntime)).toBe('fatal');
  });
});

describe('toDatastoreError', () => {
  it('maps server selection to connection with advice, keeping the cause', () => {
    const err = toDatastoreError(selectionError, 'query', 'ping');
    expect(err.code).toBe('connection');
    expect(err.isRetryable).toBe(true);
    expect(err.cause).toBe(selectionError);
    expect(err.message).toMatch(/^\[mongodb:connection\] ping failed: .*Check that MongoDB is running/);
  });

  it.each([
    [18, 'authentication'],
    [13, 'authentication'],
    [50, 'timeout'],
    [11000, 'conflict'],
    [40573, 'configuration'],
    [2, 'update'],
  ])('maps server code %i to %s', (code, expected) => {
    const err = toDatastoreError(serverError(code), 'update', 'updating');
    expect(err.code).toBe(expected);
    expect(err.details).toEqual({ serverCode: code });
  });

  it('maps unknown query operators and stages to unsupported_pipeline', () => {
    const unknownOperator = new MongoServerError({ message: 'unknown operator: $frobnicate', code: 2 });
    expect(toDatastoreError(unknownOperator, 'query', 'find').code).toBe('unsupported_pipeline');
    expect(toDatastoreError(serverError(40324), 'query', 'aggregate').code).toBe('unsupported_pipeline');
    expect(toDatastoreError(serverError(168), 'query', 'aggregate').code).toBe('unsupported_pipeline');
    expect(toDatastoreError(new MongoServerError({ message: 'other bad value', code: 2 }), 'query', 'find').code).toBe(
      'query',
    );
  });

  it('maps TLS handshake failures to certificate, with the certificate advice', () => {
    const err = toDatastoreError(
      new MongoNetworkError('unable to verify the first certificate'),
      'query',
      'connecting',
    );
    expect(err.code).toBe('certificate');
    expect(err.message).toMatch(/CA/);
  });

  it('maps network errors to connection and passes DatastoreErrors through', () => {
    expect(toDatastoreError(new MongoNetworkError('reset'), 'query', 'find').code).toBe('connection');
    const original = new DatastoreError('not_found', 'gone');
    expect(toDatastoreError(original, 'query', 'find')).toBe(original);
  });
});
