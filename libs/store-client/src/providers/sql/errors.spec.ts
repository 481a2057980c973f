import { describe, expect, it } from 'vitest';
import { DatastoreError } from '../../errors.js';
import { toDatastoreError } from './errors.js';

const pgError = (code: string, message = 'boom') => Object.assign(new Error(message), { code });

describe('PostgreSQL errors → DatastoreError codes', () => {
  it.each([
    [pgError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'), 'connection', true],
    [pgError('ENOTFOUND', 'getaddrinfo ENOTFOUND db'), 'connection', true],
    [pgError('28P01', 'password authentication failed for user "x"'), 'authentication', false],
    [pgError('57014', 'canceling statement due to statement timeout'), 'timeout', true],
    [pgError('55P03', 'canceling statement due to lock timeout'), 'timeout', true],
    [pgError('57P01', 'terminating connection due to administrator command'), 'connection', true],
    [pgError('53300', 'sorry, too many clients already'), 'connection', true],
    [pgError('3D000', 'database "x" does not exist'), 'configuration', false],
    [pgError('23505', 'duplicate key value violates unique constraint'), 'conflict', false],
    [pgError('22023', 'cannot set field a: its parent is not a document'), 'validation', false],
    [pgError('42P01', 'relation "health_events" does not exist'), 'schema_version', false],
    [pgError('40001', 'could not serialize access'), 'transaction', false],
    [new Error('Connection terminated unexpectedly'), 'connection', true],
    [new Error('timeout exceeded when trying to connect'), 'timeout', true],
    [pgError('XX000', 'internal error'), 'query', false],
  ])('%s → %s', (err, code, retryable) => {
    const mapped = toDatastoreError(err, 'do something', 'postgresql');
    expect(mapped).toBeInstanceOf(DatastoreError);
    expect(mapped.code).toBe(code);
    expect(mapped.isRetryable).toBe(retryable);
    expect(mapped.provider).toBe('postgresql');
    expect(mapped.cause).toBe(err);
    expect(mapped.message).toContain('do something');
  });

  it('passes DatastoreErrors through unchanged', () => {
    const original = new DatastoreError('not_found', 'x');
    expect(toDatastoreError(original, 'a', 'postgresql')).toBe(original);
  });

  it('tells the operator what to fix', () => {
    expect(toDatastoreError(pgError('28P01'), 'ping', 'postgresql').message).toMatch(
      /DATASTORE_USERNAME\/DATASTORE_PASSWORD/,
    );
    expect(toDatastoreError(pgError('42P01'), 'ping', 'postgresql').message).toMatch(/nvsentinel-migrate/);
  });
});
