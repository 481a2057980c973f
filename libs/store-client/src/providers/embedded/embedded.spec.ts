import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../index.js';
import { createDataStore } from '../../registry.js';
import { describeDataStoreContract } from '../../testing/contract.js';

// On a data directory, so a "restart" (close + connect) finds the data again.
describeDataStoreContract('embedded', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nvs-embedded-'));
  const dataDir = join(dir, 'data');
  return {
    connect: (options) =>
      createDataStore({
        provider: 'embedded',
        connection: { host: '', port: 0, database: 'nvsentinel' },
        options: { ...options, dataDir },
      }),
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
});
