/**
 * A throw-away PostgreSQL database for one test file, on a real server:
 * `NVSENTINEL_TEST_POSTGRES_URL` if set, otherwise the local server at 127.0.0.1:5432
 * (what `.ci/run` starts). Each call creates a fresh database so suites that run in
 * parallel never see each other's tables, and drops it afterwards. Every project's tests use
 * this one helper (`@nvsentinel/store-client/testing`).
 */
import pg from 'pg';
import type { DataStoreConfig, DataStoreOptions } from '../config/types.js';
import { configFromUrl } from './postgres-config.js';

export const DEFAULT_TEST_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export function testPostgresUrl(): string {
  return process.env.NVSENTINEL_TEST_POSTGRES_URL || DEFAULT_TEST_POSTGRES_URL;
}

export interface TestDatabase {
  /** Connection string of the new database. */
  url: string;
  /** Its name (for ALTER DATABASE … in outage tests). */
  database: string;
  /** A `postgresql` datastore config for it, with `options` merged in. */
  config: DataStoreConfig;
  /** Runs SQL as the admin on the server's default database (connection limits, outages). */
  admin(statement: string): Promise<void>;
  drop(): Promise<void>;
}

export async function createTestDatabase(prefix = 'nvs', options: DataStoreOptions = {}): Promise<TestDatabase> {
  const adminUrl = testPostgresUrl();
  const database = `${prefix.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = async (statement: string): Promise<void> => {
    const client = new pg.Client({ connectionString: adminUrl });
    try {
      await client.connect();
    } catch (err) {
      throw new Error(
        `Cannot reach the test PostgreSQL server at ${adminUrl} (${(err as Error).message}). ` +
          'Start it (pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start) ' +
          'or point NVSENTINEL_TEST_POSTGRES_URL at a server with trust auth.',
        { cause: err },
      );
    }
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE "${database}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return {
    url: url.toString(),
    database,
    config: configFromUrl(url.toString(), options),
    admin,
    drop: () => admin(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`),
  };
}
