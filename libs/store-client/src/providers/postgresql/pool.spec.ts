import { describe, expect, it } from 'vitest';
import { loadDatastoreConfig } from '../../config/load.js';
import { poolConfig, POSTGRES_DEFAULTS } from './pool.js';

const client = { host: 'h', port: 5432, database: 'd' };

describe('pg.Pool options from the datastore configuration', () => {
  it("uses upstream's defaults: 25 connections, 10 idle, 1 h lifetime", () => {
    const config = loadDatastoreConfig({ DATASTORE_PROVIDER: 'postgresql' });
    expect(poolConfig(config, client)).toMatchObject({
      max: 25,
      min: 10,
      idleTimeoutMillis: POSTGRES_DEFAULTS.idleTimeoutMs,
      maxLifetimeSeconds: 3600,
    });
  });

  it('maps DATASTORE_MAX_CONNECTIONS, _MAX_IDLE_CONNECTIONS, _IDLE_TIMEOUT_MS and _MAX_LIFETIME_SECONDS', () => {
    const config = loadDatastoreConfig({
      DATASTORE_PROVIDER: 'postgresql',
      DATASTORE_MAX_CONNECTIONS: '4',
      DATASTORE_MAX_IDLE_CONNECTIONS: '2',
      DATASTORE_IDLE_TIMEOUT_MS: '1500',
      DATASTORE_MAX_LIFETIME_SECONDS: '90',
    });
    expect(poolConfig(config, client)).toMatchObject({
      ...client,
      max: 4,
      min: 2,
      idleTimeoutMillis: 1500,
      maxLifetimeSeconds: 90,
    });
  });

  it('never keeps more idle connections than the pool may hold', () => {
    const config = loadDatastoreConfig({ DATASTORE_PROVIDER: 'postgresql', DATASTORE_MAX_CONNECTIONS: '3' });
    expect(poolConfig(config, client).min).toBe(3);
  });
});
