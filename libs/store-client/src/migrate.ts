/**
 * Running the schema migrations from outside a service (the Helm migration Job, the CLI, tests):
 * opens the configured SQL provider without auto-migration, migrates under the advisory lock,
 * and closes. On MongoDB the same entry point creates the indexes (idempotently).
 */
import type { DataStoreConfig } from './config/types.js';
import { DatastoreError } from './errors.js';
import { createSqlBackend, ensureMongoIndexes } from './providers/lazy.js';
import { migrate, schemaStatus, type MigrationResult, type SchemaStatus } from './providers/sql/migrator.js';
import type { SqlBackend } from './providers/sql/backend.js';

export type { MigrationResult, SchemaStatus };
import { REQUIRED_SCHEMA_VERSION } from './providers/sql/migrations/index.js';
export { REQUIRED_SCHEMA_VERSION };

export async function runMigrations(config: DataStoreConfig): Promise<MigrationResult> {
  if (config.provider === 'mongodb') {
    // MongoDB has no schema; its "migration" is the index set (TTL, compound, unique keys).
    await ensureMongoIndexes(config);
    return { fromVersion: REQUIRED_SCHEMA_VERSION, toVersion: REQUIRED_SCHEMA_VERSION, applied: ['mongodb_indexes'] };
  }
  return withBackend(config, async (backend) => {
    try {
      return await migrate(backend.db);
    } catch (err) {
      throw backend.toDatastoreError(err, 'run migrations');
    }
  });
}

export async function readSchemaStatus(config: DataStoreConfig): Promise<SchemaStatus> {
  return withBackend(config, (backend) => schemaStatus(backend.db));
}

async function withBackend<T>(config: DataStoreConfig, fn: (backend: SqlBackend) => Promise<T>): Promise<T> {
  if (config.provider === 'mongodb') {
    throw new DatastoreError(
      'configuration',
      'the mongodb provider has no schema version; run the migrations to create its indexes',
      { provider: 'mongodb' },
    );
  }
  const backend: SqlBackend | undefined = await createSqlBackend(config.provider, config);
  if (!backend) {
    throw new DatastoreError(
      'provider_not_found',
      `no migrations for provider '${config.provider}'; use postgresql or embedded`,
    );
  }
  try {
    return await fn(backend);
  } finally {
    await backend.db.destroy();
    await backend.shutdown();
  }
}
