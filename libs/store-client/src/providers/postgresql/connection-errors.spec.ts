import { sql } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createDataStore } from '../../registry.js';
import '../index.js';
import { createTestDatabase, testPostgresUrl } from '../../testing/postgres.js';
import { toDatastoreError } from '../sql/errors.js';
import { createPostgresBackend } from './postgresql-datastore.js';
import { configFromUrl } from '../../testing/postgres-config.js';

describe('postgresql connection failures map to the error catalogue', () => {
  it('nothing listening → connection (retryable), naming the variables to check', async () => {
    const config = configFromUrl(testPostgresUrl());
    config.connection.host = '127.0.0.1';
    config.connection.port = 1; // privileged, never a PostgreSQL server here
    config.connection.sslmode = 'disable';
    const failure = await createDataStore(config).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toMatchObject({ code: 'connection', isRetryable: true });
    expect((failure as Error).message).toMatch(/DATASTORE_HOST/);
  });

  it('sslmode=require against a server without TLS → connection with the fix', async () => {
    const config = configFromUrl(testPostgresUrl());
    config.connection.sslmode = 'require';
    const failure = await createDataStore(config).then(
      () => undefined,
      (err: unknown) => err,
    );
    // The local test server has TLS off; a server with TLS on would accept and this test has nothing to show.
    if (failure === undefined) return;
    expect(failure).toMatchObject({ code: 'connection' });
    expect((failure as Error).message).toMatch(/TLS/);
  });

  it('an unknown database → a clear error naming it', async () => {
    const config = configFromUrl(testPostgresUrl());
    config.connection.database = 'nvs_does_not_exist_db';
    const failure = await createDataStore(config).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toMatchObject({ code: 'configuration' });
    expect((failure as Error).message).toContain('nvs_does_not_exist_db');
    expect((failure as Error).message).toContain('DATASTORE_DATABASE');
  });
});

describe('postgresql outages while running', () => {
  it('a backend terminated while its connection is checked out does not crash the process; the pool recovers', async () => {
    const database = await createTestDatabase('nvs_terminate');
    const backend = await createPostgresBackend(configFromUrl(database.url));
    const admin = new pg.Client({ connectionString: testPostgresUrl() });
    await admin.connect();
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown) => uncaught.push(err);
    process.prependListener('uncaughtException', onUncaught);
    try {
      const failure = await backend.db
        .transaction()
        .execute(async (trx) => {
          const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(trx);
          await admin.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
          // the socket error arrives while the connection is still checked out
          await new Promise((resolve) => setTimeout(resolve, 300));
          await sql`SELECT 1`.execute(trx);
        })
        .then(
          () => undefined,
          (err: unknown) => backend.toDatastoreError(err, 'run transaction'),
        );
      expect(failure).toMatchObject({ code: 'connection' });
      expect(uncaught).toEqual([]);
      const { rows } = await sql<{ ok: number }>`SELECT 1 AS ok`.execute(backend.db);
      expect(rows[0]?.ok).toBe(1);
    } finally {
      process.off('uncaughtException', onUncaught);
      await admin.end();
      await backend.db.destroy().catch(() => undefined);
      await backend.shutdown();
      await database.drop();
    }
  });

  it('sessions run with JIT off (it cost 0.15-1.7 s of compilation per translated query)', async () => {
    const backend = await createPostgresBackend(configFromUrl(testPostgresUrl()));
    try {
      const { rows } = await sql<{ jit: string }>`SHOW jit`.execute(backend.db);
      expect(rows[0]?.jit).toBe('off');
    } finally {
      await backend.db.destroy().catch(() => undefined);
      await backend.shutdown();
    }
  });

  it('a database that stops accepting connections (55000) is an outage: connection, retryable', () => {
    const err = Object.assign(new Error('database "x" is not currently accepting connections'), { code: '55000' });
    expect(toDatastoreError(err, 'ping', 'postgresql')).toMatchObject({ code: 'connection', isRetryable: true });
  });
});
