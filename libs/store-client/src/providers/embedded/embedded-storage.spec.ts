import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import '../index.js';
import { createDataStore } from '../../registry.js';
import type { DataStoreConfig } from '../../config/types.js';
import { sampleHealthEvent, StreamReader } from '../../testing/contract-support.js';

const embedded = (options: DataStoreConfig['options'] = {}): DataStoreConfig => ({
  provider: 'embedded',
  connection: { host: '', port: 0, database: 'nvsentinel' },
  options,
});

const dir = mkdtempSync(join(tmpdir(), 'nvs-embedded-storage-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('embedded storage', () => {
  it('runs in memory without a data dir: stores, finds and streams', async () => {
    const ds = await createDataStore(embedded({ changeStreamPollIntervalMs: 50 }));
    try {
      expect(ds.capabilities.concurrentConnections).toBe(false);
      const reader = new StreamReader(ds.healthEventStore().watch({ clientName: 'memory' }));
      await reader.ready();
      const [id] = await ds
        .healthEventStore()
        .insertHealthEvents({ healthEvent: sampleHealthEvent({ nodeName: 'mem-node' }) });
      expect((await reader.take(1))[0]!.documentKey._id).toBe(id);
      expect((await ds.healthEventStore().findHealthEventsByNode('mem-node')).map((e) => e.id)).toEqual([id]);
      await reader.close();
    } finally {
      await ds.close();
    }
    // The first PGlite of a worker compiles its WASM: seconds when idle, over 30 s on a loaded CI machine.
  }, 120_000);

  it('keeps data across reopen of a data dir, and refuses a second open of the same dir', async () => {
    const dataDir = join(dir, 'data');
    const first = await createDataStore(embedded({ dataDir }));
    const [id] = await first
      .healthEventStore()
      .insertHealthEvents({ healthEvent: sampleHealthEvent({ nodeName: 'disk-node' }) });
    await expect(createDataStore(embedded({ dataDir }))).rejects.toMatchObject({
      code: 'configuration',
      message: expect.stringMatching(/in use by process/),
    });
    await first.close();
    const second = await createDataStore(embedded({ dataDir }));
    try {
      expect((await second.healthEventStore().findHealthEventById(id!))?.healthEvent.nodeName).toBe('disk-node');
    } finally {
      await second.close();
    }
  });
});
