/**
 * The core guarantee under concurrency: many sessions insert inside transactions of random
 * length, some roll back; the change stream must deliver every committed insert exactly once
 * and nothing rolled back — whatever order the commits land in.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../index.js';
import { createDataStore } from '../../registry.js';
import type { DataStore } from '../../interfaces.js';
import { createTestDatabase, type TestDatabase } from '../../testing/postgres.js';
import { configFromUrl } from '../../testing/postgres-config.js';
import { StreamReader, uniqueName } from '../../testing/contract-support.js';

const SESSIONS = 8;
const TRANSACTIONS_PER_SESSION = 25;

describe('postgresql change streams under concurrent, out-of-order commits', () => {
  let database: TestDatabase;
  let ds: DataStore;
  let sessions: pg.Client[];

  beforeAll(async () => {
    database = await createTestDatabase('nvs_concurrency');
    ds = await createDataStore(
      configFromUrl(database.url, { changeStreamPollIntervalMs: 1000, changeStreamBatchSize: 7 }),
    );
    sessions = await Promise.all(
      Array.from({ length: SESSIONS }, async () => {
        const client = new pg.Client({ connectionString: database.url });
        await client.connect();
        return client;
      }),
    );
  });

  afterAll(async () => {
    await Promise.all((sessions ?? []).map((s) => s.end()));
    await ds?.close();
    await database?.drop();
  });

  it('delivers every committed insert exactly once and nothing rolled back', async () => {
    const node = uniqueName('node');
    const reader = new StreamReader(
      ds
        .healthEventStore()
        .watch({ clientName: uniqueName('c'), pipeline: [{ $match: { 'fullDocument.healthevent.nodename': node } }] }),
    );
    await reader.ready();
    const committed: string[] = [];
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    await Promise.all(
      sessions.map(async (session, s) => {
        for (let t = 0; t < TRANSACTIONS_PER_SESSION; t++) {
          const ids = [crypto.randomUUID(), crypto.randomUUID()];
          await session.query('BEGIN');
          for (const id of ids) {
            const doc = {
              _id: id,
              createdAt: { $date: new Date().toISOString() },
              healthevent: { nodename: node, message: `${s}/${t}` },
              healtheventstatus: {},
            };
            await session.query('INSERT INTO health_events (id, document) VALUES ($1, $2::jsonb)', [
              id,
              JSON.stringify(doc),
            ]);
            await sleep(Math.random() * 8); // hold the transaction open while others commit
          }
          if ((s + t) % 5 === 0) {
            await session.query('ROLLBACK');
          } else {
            await session.query('COMMIT');
            committed.push(...ids);
          }
        }
      }),
    );
    const delivered = (await reader.take(committed.length, 30_000)).map((e) => e.documentKey._id);
    const sentinel = crypto.randomUUID();
    await sessions[0]!.query('INSERT INTO health_events (id, document) VALUES ($1, $2::jsonb)', [
      sentinel,
      JSON.stringify({
        _id: sentinel,
        createdAt: { $date: new Date().toISOString() },
        healthevent: { nodename: node },
        healtheventstatus: {},
      }),
    ]);
    expect(await reader.until(sentinel)).toEqual([]);
    await reader.close();
    expect(new Set(delivered).size).toBe(delivered.length);
    expect([...delivered].sort()).toEqual([...committed].sort());
  });
});
