/**
 * The datastores every analyzer spec runs on: a throw-away PostgreSQL database, the embedded
 * provider, and MongoDB when NVSENTINEL_TEST_MONGODB_URI names a replica set.
 */
import { createDataStore, registerMongoProvider, type DataStore } from '@nvsentinel/store-client';
import { createTestDatabase, type TestDatabase } from '@nvsentinel/store-client/testing';

export type ProviderName = 'postgresql' | 'embedded' | 'mongodb';

export const PROVIDERS: ProviderName[] = [
  'postgresql',
  'embedded',
  ...(process.env.NVSENTINEL_TEST_MONGODB_URI ? (['mongodb'] as const) : []),
];
if (!process.env.NVSENTINEL_TEST_MONGODB_URI) {
  console.info(
    'health-events-analyzer: MongoDB cases skipped (set NVSENTINEL_TEST_MONGODB_URI to a replica-set URI to run them)',
  );
}

export interface TestStore {
  datastore: DataStore;
  close(): Promise<void>;
}

export async function openTestStore(provider: ProviderName, prefix: string): Promise<TestStore> {
  if (provider === 'postgresql') {
    const db: TestDatabase = await createTestDatabase(prefix);
    const datastore = await createDataStore({ ...db.config, options: { changeStreamPollIntervalMs: 50 } });
    return { datastore, close: async () => (await datastore.close(), await db.drop()) };
  }
  if (provider === 'embedded') {
    const datastore = await createDataStore({
      provider: 'embedded',
      connection: { host: '', port: 0, database: 'nvsentinel' },
      options: {},
    });
    return { datastore, close: () => datastore.close() };
  }
  // MongoDB: the server evaluates the same pipelines (the database is left behind for inspection).
  registerMongoProvider();
  const uri = process.env.NVSENTINEL_TEST_MONGODB_URI as string;
  const database = `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const datastore = await createDataStore({
    provider: 'mongodb',
    connection: { host: '', port: 0, database, uri },
    options: {},
  });
  return { datastore, close: () => datastore.close() };
}
