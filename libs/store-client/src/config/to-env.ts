/**
 * The inverse of `loadDatastoreConfig` for the connection: the `DATASTORE_*` variables that make a
 * service process open the same datastore. Used wherever we launch services as processes (the
 * local stack's one-process-per-service mode, the benchmarks), so none of them spells the
 * variable names itself.
 */
import type { DataStoreConfig } from './types.js';

export function datastoreEnvironment(config: DataStoreConfig): Record<string, string> {
  const c = config.connection;
  const env: Record<string, string> = { DATASTORE_PROVIDER: config.provider, DATASTORE_DATABASE: c.database };
  // embedded has neither host nor port
  const optional: [string, string | undefined][] = [
    ['DATASTORE_HOST', c.host],
    ['DATASTORE_PORT', c.port > 0 ? String(c.port) : undefined],
    ['DATASTORE_USERNAME', c.username],
    ['DATASTORE_PASSWORD', c.password],
    ['DATASTORE_SSLMODE', c.sslmode],
    ['DATASTORE_SSLCERT', c.sslcert],
    ['DATASTORE_SSLKEY', c.sslkey],
    ['DATASTORE_SSLROOTCERT', c.sslrootcert],
    ['MONGODB_URI', c.uri],
    ['DATASTORE_DATA_DIR', typeof config.options.dataDir === 'string' ? config.options.dataDir : undefined],
  ];
  for (const [name, value] of optional) if (value !== undefined && value !== '') env[name] = value;
  return env;
}
