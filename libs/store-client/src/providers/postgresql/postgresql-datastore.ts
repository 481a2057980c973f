/**
 * The `postgresql` provider: kysely's PostgresDialect over a pg.Pool, LISTEN on a dedicated
 * connection, and the shared SQL datastore on top.
 */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { DataStoreConfig } from '../../config/types.js';
import { DatastoreError } from '../../errors.js';
import { DEFAULT_CAPABILITIES, type DataStore } from '../../interfaces.js';
import type { SqlBackend, SqlDb } from '../sql/backend.js';
import { toDatastoreError } from '../sql/errors.js';
import { SqlDataStore, sqlSettingsFromConfig } from '../sql/sql-datastore.js';
import { NotificationListener } from './listener.js';
import { poolConfig, resolveClientConfig } from './pool.js';
import { withPreparedStatements } from './prepared-statements.js';

export const POSTGRESQL_PROVIDER = 'postgresql';

/** Opens the datastore; with autoMigrate (default true, DATASTORE_AUTO_MIGRATE=false to refuse) the schema is brought up to date. */
export async function createPostgresDataStore(config: DataStoreConfig): Promise<DataStore> {
  const backend = await createPostgresBackend(config);
  return SqlDataStore.open(backend, sqlSettingsFromConfig(config, true));
}

export async function createPostgresBackend(config: DataStoreConfig): Promise<SqlBackend> {
  if (!config.connection.host) {
    throw new DatastoreError('configuration', 'DATASTORE_HOST: required for the postgresql provider', {
      provider: POSTGRESQL_PROVIDER,
    });
  }
  let client: pg.ClientConfig;
  try {
    client = await resolveClientConfig(config);
  } catch (err) {
    throw toDatastoreError(err, 'configure PostgreSQL connection', POSTGRESQL_PROVIDER);
  }
  const pool = new pg.Pool(poolConfig(config, client));
  // An idle pooled connection that dies (server restart) must not crash the process: the pool
  // drops it and the next query opens a new one.
  pool.on('error', () => undefined);
  // pg-pool listens for errors only on idle connections. A checked-out connection whose backend
  // is terminated (failover, pg_terminate_backend) emits 'error' with no listener, which would be
  // an uncaught exception; the failure still reaches the caller through its next query.
  pool.on('connect', (connection) => connection.on('error', () => undefined));
  // Aggregations (marked by the SQL store) run as named statements: parsed and planned once per connection.
  const db: SqlDb = new Kysely({ dialect: new PostgresDialect({ pool: withPreparedStatements(pool) }) });
  const listeners = new Set<NotificationListener>();
  return {
    provider: POSTGRESQL_PROVIDER,
    capabilities: { ...DEFAULT_CAPABILITIES },
    db,
    async listen(channel, onNotify) {
      const listener = await NotificationListener.start(client, channel, onNotify);
      listeners.add(listener);
      return async () => {
        listeners.delete(listener);
        await listener.stop();
      };
    },
    toDatastoreError: (err, action) => toDatastoreError(err, action, POSTGRESQL_PROVIDER),
    async shutdown() {
      await Promise.all([...listeners].map((l) => l.stop()));
      // kysely's destroy() already ended the pool; ending twice is an error in pg-pool.
      if (!pool.ended) await pool.end().catch(() => undefined);
    },
  };
}
