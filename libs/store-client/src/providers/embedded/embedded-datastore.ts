/**
 * The `embedded` provider: PostgreSQL running in this process on PGlite (WASM), in memory or in
 * DATASTORE_DATA_DIR. The same SQL as the postgresql provider; zero setup. One session, so
 * statements are serialised (capabilities.concurrentConnections = false) and LISTEN is the
 * in-process `db.listen`.
 */
import { PGlite } from '@electric-sql/pglite';
import { Kysely } from 'kysely';
import type { DataStoreConfig } from '../../config/types.js';
import { DatastoreError } from '../../errors.js';
import { DEFAULT_CAPABILITIES, type DataStore } from '../../interfaces.js';
import type { SqlBackend, SqlDb } from '../sql/backend.js';
import { toDatastoreError } from '../sql/errors.js';
import { SqlDataStore, sqlSettingsFromConfig } from '../sql/sql-datastore.js';
import { PGliteDialect } from './pglite-dialect.js';
import { claimDataDir } from './data-dir-lock.js';

export const EMBEDDED_PROVIDER = 'embedded';

export async function createEmbeddedDataStore(config: DataStoreConfig): Promise<DataStore> {
  const backend = await createEmbeddedBackend(config);
  return SqlDataStore.open(backend, sqlSettingsFromConfig(config, true));
}

export async function createEmbeddedBackend(config: DataStoreConfig): Promise<SqlBackend> {
  const dataDir =
    typeof config.options.dataDir === 'string' && config.options.dataDir !== '' ? config.options.dataDir : undefined;
  const release = dataDir ? claimDataDir(dataDir) : () => undefined;
  let pglite: PGlite;
  try {
    pglite = await PGlite.create(dataDir ? { dataDir } : {});
  } catch (err) {
    release();
    throw new DatastoreError(
      'connection',
      `cannot open the embedded database${dataDir ? ` in DATASTORE_DATA_DIR=${dataDir}` : ''}: ${(err as Error).message}`,
      { provider: EMBEDDED_PROVIDER, cause: err },
    );
  }
  const dialect = new PGliteDialect(pglite);
  const db: SqlDb = new Kysely({ dialect });
  // LISTEN/UNLISTEN go to PGlite directly: take the session lock so they never land inside a
  // transaction another caller has open.
  const exclusive = async <T>(fn: () => Promise<T>): Promise<T> => {
    await dialect.session.lock();
    try {
      return await fn();
    } finally {
      dialect.session.unlock();
    }
  };
  return {
    provider: EMBEDDED_PROVIDER,
    capabilities: { ...DEFAULT_CAPABILITIES, concurrentConnections: false },
    db,
    async listen(channel, onNotify) {
      const unlisten = await exclusive(() => pglite.listen(channel, () => onNotify()));
      return async () => {
        if (!pglite.closed) await exclusive(() => unlisten());
      };
    },
    toDatastoreError: (err, action) => toDatastoreError(err, action, EMBEDDED_PROVIDER),
    async shutdown() {
      try {
        if (!pglite.closed) await pglite.close();
      } finally {
        release();
      }
    },
  };
}
