/**
 * Entry points of the built-in providers that load the provider's module, and with it its driver
 * (pg, PGlite's WASM, the MongoDB driver), on first call instead of when @nvsentinel/store-client
 * is imported: a service configured for PostgreSQL never loads the other two. The modules stay
 * cached by the runtime after the first call, so only the first open pays for the import.
 */
import type { DataStoreConfig } from '../config/types.js';
import type { DataStore } from '../interfaces.js';
import type { SqlBackend } from './sql/backend.js';
import type { MongoDataStore, MongoProviderOptions } from './mongodb/mongo-datastore.js';
import { EMBEDDED_PROVIDER, POSTGRESQL_PROVIDER } from './names.js';

/** Opens the `postgresql` provider (loads `pg`). */
export async function createPostgresDataStore(config: DataStoreConfig): Promise<DataStore> {
  const { createPostgresDataStore: open } = await import('./postgresql/postgresql-datastore.js');
  return open(config);
}

/** Opens the `embedded` provider (loads PGlite). */
export async function createEmbeddedDataStore(config: DataStoreConfig): Promise<DataStore> {
  const { createEmbeddedDataStore: open } = await import('./embedded/embedded-datastore.js');
  return open(config);
}

/** Opens the `mongodb` provider (loads the MongoDB driver). */
export async function openMongoDataStore(
  config: DataStoreConfig,
  options: MongoProviderOptions = {},
): Promise<MongoDataStore> {
  const { openMongoDataStore: open } = await import('./mongodb/mongo-datastore.js');
  return open(config, options);
}

/** Creates the MongoDB indexes (TTL, compound, unique keys): the `mongodb` provider's migration. */
export async function ensureMongoIndexes(config: DataStoreConfig, options: MongoProviderOptions = {}): Promise<void> {
  const { ensureMongoIndexes: ensure } = await import('./mongodb/mongo-datastore.js');
  return ensure(config, options);
}

/** The SQL backend of `postgresql` or `embedded`, for migrations. */
export async function createSqlBackend(provider: string, config: DataStoreConfig): Promise<SqlBackend | undefined> {
  if (provider === POSTGRESQL_PROVIDER)
    return (await import('./postgresql/postgresql-datastore.js')).createPostgresBackend(config);
  if (provider === EMBEDDED_PROVIDER)
    return (await import('./embedded/embedded-datastore.js')).createEmbeddedBackend(config);
  return undefined;
}
