/**
 * A throw-away database per benchmark run on the server named by NVSENTINEL_BENCH_POSTGRES_URL
 * (default: the local test server), dropped at the end.
 */
import pg from 'pg';
import type { DataStoreConfig } from '@nvsentinel/store-client';

const ADMIN_URL =
  process.env.NVSENTINEL_BENCH_POSTGRES_URL ||
  process.env.NVSENTINEL_TEST_POSTGRES_URL ||
  'postgres://postgres@127.0.0.1:5432/postgres';

export interface BenchDatabase {
  url: string;
  config(options?: DataStoreConfig['options']): DataStoreConfig;
  drop(): Promise<void>;
}

export async function createBenchDatabase(): Promise<BenchDatabase> {
  const name = `nvs_bench_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    config: (options = {}) => ({
      provider: 'postgresql',
      connection: {
        host: url.hostname,
        port: Number(url.port || 5432),
        database: name,
        ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
        ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
        sslmode: 'prefer',
      },
      options,
    }),
    async drop() {
      const c = new pg.Client({ connectionString: ADMIN_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
