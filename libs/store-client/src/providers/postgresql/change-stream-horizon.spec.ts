/**
 * PostgreSQL-only change-stream behaviour that needs a second session holding a transaction
 * open: what "now" means while a transaction is running, and how a stalled horizon is reported.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../index.js';
import { createDataStore } from '../../registry.js';
import type { DataStore } from '../../interfaces.js';
import type { SqlChangeStream } from '../sql/change-stream.js';
import { createTestDatabase, type TestDatabase } from '../../testing/postgres.js';
import { configFromUrl } from '../../testing/postgres-config.js';
import { sampleHealthEvent, StreamReader, uniqueName } from '../../testing/contract-support.js';

describe('postgresql change streams and the transaction horizon', () => {
  let database: TestDatabase;
  let ds: DataStore;
  let session: pg.Client;

  beforeAll(async () => {
    database = await createTestDatabase('nvs_horizon');
    ds = await createDataStore(configFromUrl(database.url, { changeStreamPollIntervalMs: 50 }));
    session = new pg.Client({ connectionString: database.url });
    await session.connect();
  });

  afterAll(async () => {
    await session?.end();
    await ds?.close();
    await database?.drop();
  });

  const rawInsert = async (node: string): Promise<string> => {
    const id = crypto.randomUUID();
    const doc = {
      _id: id,
      createdAt: { $date: new Date().toISOString() },
      healthevent: { nodename: node },
      healtheventstatus: {},
    };
    await session.query('INSERT INTO health_events (id, document) VALUES ($1, $2::jsonb)', [id, JSON.stringify(doc)]);
    return id;
  };

  it("startAt 'now' skips what committed before it even above the horizon, and delivers the transaction that was still running", async () => {
    const node = uniqueName('node');
    await session.query('BEGIN');
    const running = await rawInsert(node);
    const [committedBefore] = await ds
      .healthEventStore()
      .insertHealthEvents({ healthEvent: sampleHealthEvent({ nodeName: node }) });
    const reader = new StreamReader(
      ds.healthEventStore().watch({
        clientName: uniqueName('c'),
        pipeline: [{ $match: { 'fullDocument.healthevent.nodename': node } }],
        startAt: 'now',
      }),
    );
    try {
      await reader.ready();
      await session.query('COMMIT');
      const [sentinel] = await ds
        .healthEventStore()
        .insertHealthEvents({ healthEvent: sampleHealthEvent({ nodeName: node }) });
      const seen = await reader.until(sentinel!);
      expect(seen.map((e) => e.documentKey._id)).toEqual([running]);
      expect(seen.map((e) => e.documentKey._id)).not.toContain(committedBefore);
    } finally {
      await session.query('ROLLBACK').catch(() => undefined);
      await reader.close();
    }
  });

  it('reports the transaction that holds delivery back', async () => {
    const node = uniqueName('node');
    const stream = ds.healthEventStore().watch({ clientName: uniqueName('c') }) as SqlChangeStream;
    const reader = new StreamReader(stream);
    try {
      await reader.ready();
      expect((await stream.blockingTransaction()).changesWaiting).toBe(false);
      await session.query('BEGIN');
      await rawInsert(node);
      const sessionXid = (await session.query<{ xid: string }>('SELECT pg_current_xact_id()::text AS xid')).rows[0]!
        .xid;
      await ds.healthEventStore().insertHealthEvents({ healthEvent: sampleHealthEvent({ nodeName: node }) });
      const stalled = await stream.blockingTransaction();
      expect(stalled.changesWaiting).toBe(true);
      // The horizon is this database's, so the holder is exactly our open transaction even while
      // other suites run transactions in their own databases.
      expect(stalled.transaction?.xid).toBe(String(BigInt(sessionXid) % 2n ** 32n));
      await session.query('COMMIT');
      expect((await reader.take(2)).map((e) => e.operationType)).toEqual(['insert', 'insert']);
      expect((await stream.blockingTransaction()).changesWaiting).toBe(false);
    } finally {
      await session.query('ROLLBACK').catch(() => undefined);
      await reader.close();
    }
  });

  it('a long transaction in another database of the server does not stall delivery', async () => {
    const other = await createTestDatabase('nvs_horizon_other');
    const elsewhere = new pg.Client({ connectionString: other.url });
    await elsewhere.connect();
    const node = uniqueName('node');
    const reader = new StreamReader(
      ds
        .healthEventStore()
        .watch({ clientName: uniqueName('c'), pipeline: [{ $match: { 'fullDocument.healthevent.nodename': node } }] }),
    );
    try {
      await reader.ready();
      await elsewhere.query('BEGIN');
      // an assigned xid, older than everything our datastore writes next
      await elsewhere.query('SELECT pg_current_xact_id()');
      const [id] = await ds
        .healthEventStore()
        .insertHealthEvents({ healthEvent: sampleHealthEvent({ nodeName: node }) });
      // With a server-wide horizon this waits until the other transaction ends (never, here).
      const [event] = await reader.take(1, 10_000);
      expect(event?.documentKey._id).toBe(id);
    } finally {
      await elsewhere.query('ROLLBACK').catch(() => undefined);
      await elsewhere.end();
      await reader.close();
      await other.drop();
    }
  });

  it('a stored token from the future (another database lifetime) re-delivers the retained changes instead of skipping', async () => {
    const node = uniqueName('node');
    const clientName = uniqueName('c');
    const [id] = await ds.healthEventStore().insertHealthEvents({ healthEvent: sampleHealthEvent({ nodeName: node }) });
    await session.query(
      "INSERT INTO resume_tokens (client_name, txid, change_id) VALUES ($1, '9000000000000'::xid8, 1)",
      [clientName],
    );
    const reader = new StreamReader(
      ds
        .healthEventStore()
        .watch({ clientName, pipeline: [{ $match: { 'fullDocument.healthevent.nodename': node } }] }),
    );
    try {
      const [event] = await reader.take(1);
      expect(event!.documentKey._id).toBe(id);
      // The foreign token was dropped, so progress is stored again.
      await reader.stream.markProcessed(event!.resumeToken);
      const stored = await session.query<{ change_id: string }>(
        'SELECT change_id::text FROM resume_tokens WHERE client_name = $1',
        [clientName],
      );
      expect(stored.rows[0]?.change_id).toBe(event!.resumeToken.split('-')[1]);
    } finally {
      await reader.close();
    }
  });
});
