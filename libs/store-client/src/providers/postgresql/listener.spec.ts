/**
 * The LISTEN connection dies (server restart, failover, idle-kill): the stream must keep
 * delivering without waiting for the fallback poll, because the listener reconnects and
 * re-reads once.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../index.js';
import { createDataStore } from '../../registry.js';
import type { DataStore } from '../../interfaces.js';
import { createTestDatabase, type TestDatabase } from '../../testing/postgres.js';
import { configFromUrl } from '../../testing/postgres-config.js';
import { sampleHealthEvent, StreamReader, uniqueName } from '../../testing/contract-support.js';

describe('postgresql LISTEN connection loss', () => {
  let database: TestDatabase;
  let ds: DataStore;
  let admin: pg.Client;

  beforeAll(async () => {
    database = await createTestDatabase('nvs_listener');
    // A poll far longer than the test's patience: delivery has to come from the listener.
    ds = await createDataStore(configFromUrl(database.url, { changeStreamPollIntervalMs: 600_000 }));
    admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
  });

  afterAll(async () => {
    await admin?.end();
    await ds?.close();
    await database?.drop();
  });

  it('reconnects and delivers changes made while it was gone and after', async () => {
    const node = uniqueName('node');
    const reader = new StreamReader(
      ds
        .healthEventStore()
        .watch({ clientName: uniqueName('c'), pipeline: [{ $match: { 'fullDocument.healthevent.nodename': node } }] }),
    );
    try {
      await reader.ready();
      const killed = await admin.query(
        `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid() AND query ILIKE 'LISTEN%'`,
      );
      expect(killed.rowCount).toBe(1);
      const [during] = await ds
        .healthEventStore()
        .insertHealthEvents({ healthEvent: sampleHealthEvent({ nodeName: node }) });
      expect((await reader.take(1, 20_000))[0]!.documentKey._id).toBe(during);
      // Let the new LISTEN settle, then a change must arrive through it.
      for (let i = 0; i < 100; i++) {
        const listening = await admin.query(
          `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN%'`,
        );
        if (listening.rowCount === 1) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const [after] = await ds
        .healthEventStore()
        .insertHealthEvents({ healthEvent: sampleHealthEvent({ nodeName: node }) });
      expect((await reader.take(1, 20_000))[0]!.documentKey._id).toBe(after);
    } finally {
      await reader.close();
    }
  });
});
