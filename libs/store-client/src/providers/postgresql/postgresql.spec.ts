import pg from 'pg';
import '../index.js';
import { createDataStore } from '../../registry.js';
import { configFromUrl } from '../../testing/postgres-config.js';
import { describeDataStoreContract } from '../../testing/contract.js';
import { createTestDatabase } from '../../testing/postgres.js';

describeDataStoreContract('postgresql', async () => {
  const database = await createTestDatabase('nvs_contract');
  return {
    connect: (options) => createDataStore(configFromUrl(database.url, options)),
    async rawSession() {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      return {
        query: async (text, params) => (await client.query(text, params)).rows,
        close: () => client.end(),
      };
    },
    dispose: () => database.drop(),
  };
});
