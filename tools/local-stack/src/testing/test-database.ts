/**
 * A throw-away database on the real PostgreSQL server (NVSENTINEL_TEST_POSTGRES_URL, else the local
 * 127.0.0.1:5432) for one test file. store-client keeps its own helper private to its package, so
 * the stack has this small equivalent.
 */
import pg from 'pg';
import type { DataStoreConfig } from '@nvsentinel/store-client';

const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  config: DataStoreConfig;
  drop(): Promise<void>;
}

export async function createTestDatabase(prefix: string): Promise<TestDatabase> {
  const adminUrl = process.env['NVSENTINEL_TEST_POSTGRES_URL'] || DEFAULT_URL;
  const database = `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_');
  const admin = new pg.Client({ connectionString: adminUrl });
  try {
    await admin.connect();
  } catch (err) {
    throw new Error(
      `Cannot reach the test PostgreSQL server at ${adminUrl} (${(err as Error).message}); start it or set NVSENTINEL_TEST_POSTGRES_URL`,
      { cause: err },
    );
  }
  try {
    await admin.query(`CREATE DATABASE "${database}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  return {
    config: {
      provider: 'postgresql',
      connection: {
        host: url.hostname,
        port: Number(url.port || 5432),
        database,
        ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
        ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
        sslmode: 'prefer',
      },
      options: {},
    },
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
