/**
 * PostgreSQL error → DatastoreError, shared by both backends (PGlite raises the same SQLSTATEs).
 * Node network errors (ECONNREFUSED …) come only from the `pg` backend.
 */
import { DatastoreError, isDatastoreError, type DatastoreErrorCode } from '../../errors.js';

const SQLSTATE_CODES: ReadonlyArray<readonly [RegExp, DatastoreErrorCode]> = [
  [/^28P01$|^28000$/, 'authentication'],
  [/^57014$/, 'timeout'], // query_canceled (statement_timeout)
  [/^55P03$/, 'timeout'], // lock_not_available (lock_timeout)
  [/^08/, 'connection'],
  [/^57P0[1-3]$/, 'connection'], // admin shutdown, crash shutdown, cannot connect now
  [/^53300$/, 'connection'], // too_many_connections
  [/^3D000$/, 'configuration'], // unknown database
  [/^23505$/, 'conflict'],
  [/^40001$|^40P01$/, 'transaction'],
  [/^22|^23/, 'validation'],
  [/^42P01$|^42883$/, 'schema_version'], // missing table / function: schema not migrated
];

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
]);

export function toDatastoreError(err: unknown, action: string, provider: string): DatastoreError {
  if (isDatastoreError(err)) return err;
  const e = err as { code?: unknown; message?: unknown } | undefined;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const message = typeof e?.message === 'string' ? e.message : String(err);
  if (code && NETWORK_CODES.has(code)) {
    return new DatastoreError(
      'connection',
      `${action}: cannot reach the database (${code}); check DATASTORE_HOST/DATASTORE_PORT and that the server is running`,
      {
        provider,
        cause: err,
      },
    );
  }
  if (/does not support SSL/i.test(message)) {
    return new DatastoreError(
      'connection',
      `${action}: the server does not offer TLS but DATASTORE_SSLMODE requires it; enable TLS on the server or use sslmode prefer/disable`,
      { provider, cause: err },
    );
  }
  if (/timeout|timed out/i.test(message) && !code) {
    return new DatastoreError('timeout', `${action}: ${message}`, { provider, cause: err });
  }
  // 55000 "database … is not currently accepting connections" (ALLOW_CONNECTIONS false) is an
  // outage, not a bad query.
  if (
    /Connection terminated|Client has encountered a connection error|not queryable|not currently accepting connections/i.test(
      message,
    )
  ) {
    return new DatastoreError('connection', `${action}: ${message}`, { provider, cause: err });
  }
  if (code) {
    for (const [pattern, kind] of SQLSTATE_CODES) {
      if (pattern.test(code)) {
        const hint =
          kind === 'authentication'
            ? '; check DATASTORE_USERNAME/DATASTORE_PASSWORD'
            : kind === 'configuration'
              ? '; check DATASTORE_DATABASE (the database must exist)'
              : kind === 'schema_version'
                ? '; the database schema is missing objects: run the migrations (nvsentinel-migrate)'
                : '';
        return new DatastoreError(kind, `${action}: ${message}${hint}`, {
          provider,
          cause: err,
          details: { sqlstate: code },
        });
      }
    }
  }
  return new DatastoreError('query', `${action}: ${message}`, {
    provider,
    cause: err,
    details: code ? { sqlstate: code } : {},
  });
}
