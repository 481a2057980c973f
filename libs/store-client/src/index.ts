export * from './interfaces.js';
export * from './errors.js';
export type * from './config/types.js';
export { registerProvider, registeredProviders, createDataStore, type DataStoreFactory } from './registry.js';
export { toJsonValue, fromJsonValue, isEncodedDate } from './codec/ejson.js';
export { loadDatastoreConfig, type LoadConfigDependencies } from './config/load.js';
export { describeConfig } from './config/describe.js';
export { datastoreEnvironment } from './config/to-env.js';
export {
  runMigrations,
  readSchemaStatus,
  REQUIRED_SCHEMA_VERSION,
  type MigrationResult,
  type SchemaStatus,
} from './migrate.js';
export {
  createEmbeddedDataStore,
  createPostgresDataStore,
  EMBEDDED_PROVIDER,
  POSTGRESQL_PROVIDER,
} from './providers/index.js';
export { registerMongoProvider } from './providers/mongodb/register.js';
export { openMongoDataStore, ensureMongoIndexes } from './providers/lazy.js';
export type { MongoProviderOptions } from './providers/mongodb/mongo-datastore.js';
export type { MongoProviderHooks, MongoWatchOptions } from './providers/mongodb/hooks.js';
export {
  compileFilter,
  compilePipeline,
  QUERY_FUNCTIONS_SQL,
  QUERY_FUNCTION_NAMES,
  SUPPORTED_QUERY_OPERATORS,
  SUPPORTED_STAGES,
  SUPPORTED_ACCUMULATORS,
  type CompileOptions,
  type IndexedPath,
} from './query/index.js';
export { scanAsChanges } from './cold-start/scan-as-changes.js';
export { compileHealthEventAggregation } from './providers/sql/health-event-store.js';
