/**
 * pg.Pool configuration from the datastore config, including the sslmode=prefer fallback that
 * node-postgres does not do by itself.
 */
import pg from 'pg';
import type { DataStoreConfig } from '../../config/types.js';
import { planTls } from './tls.js';

export const POSTGRES_DEFAULTS = {
  maxConnections: 25,
  maxIdleConnections: 10,
  idleTimeoutMs: 30_000,
  connectionLifetimeMs: 60 * 60 * 1000,
  connectTimeoutMs: 10_000,
} as const;

/** Connection settings for one client (the pool and the LISTEN connection share them). */
export async function resolveClientConfig(config: DataStoreConfig): Promise<pg.ClientConfig> {
  const c = config.connection;
  const o = config.options;
  const plan = planTls(c);
  const client: pg.ClientConfig = {
    host: c.host,
    port: c.port,
    database: c.database,
    connectionTimeoutMillis:
      typeof o.connectTimeoutMs === 'number' ? o.connectTimeoutMs : POSTGRES_DEFAULTS.connectTimeoutMs,
    application_name: typeof o.appName === 'string' ? o.appName : 'nvsentinel',
    // TCP keepalive: a LISTEN connection is idle for long stretches, and a peer that vanished
    // (node failure, NAT timeout) must be noticed so the listener reconnects.
    keepAlive: true,
    ssl: plan.ssl,
    // Our statements are short OLTP queries over wide jsonb expressions; PostgreSQL's JIT would
    // spend 0.15-1.7 s compiling each of them (measured on a 30-row table) for no gain.
    options: '-c jit=off',
  };
  if (c.username !== undefined) client.user = c.username;
  if (c.password !== undefined) client.password = c.password;
  if (plan.ssl && plan.fallbackToPlain && !(await serverOffersTls(client))) client.ssl = false;
  return client;
}

export function poolConfig(config: DataStoreConfig, client: pg.ClientConfig): pg.PoolConfig {
  const o = config.options;
  const max = typeof o.maxConnections === 'number' ? o.maxConnections : POSTGRES_DEFAULTS.maxConnections;
  const maxIdle =
    typeof o.maxIdleConnections === 'number' ? o.maxIdleConnections : POSTGRES_DEFAULTS.maxIdleConnections;
  const lifetimeMs =
    typeof o.connectionLifetimeMs === 'number' ? o.connectionLifetimeMs : POSTGRES_DEFAULTS.connectionLifetimeMs;
  return {
    ...client,
    max,
    // pg-pool has no "max idle": it keeps `min` connections and closes the rest once idle for
    // idleTimeoutMillis, which is what upstream's MaxIdleConns achieves.
    min: Math.min(maxIdle, max),
    idleTimeoutMillis: typeof o.idleTimeoutMs === 'number' ? o.idleTimeoutMs : POSTGRES_DEFAULTS.idleTimeoutMs,
    maxLifetimeSeconds: Math.ceil(lifetimeMs / 1000),
  };
}

/** sslmode=prefer: try TLS; only "the server does not support SSL" means plain is acceptable. */
async function serverOffersTls(client: pg.ClientConfig): Promise<boolean> {
  const probe = new pg.Client(client);
  try {
    await probe.connect();
    return true;
  } catch (err) {
    if (/does not support SSL/i.test((err as Error).message)) return false;
    return true; // other failures surface with the real connection attempt
  } finally {
    await probe.end().catch(() => undefined);
  }
}
