/**
 * PostgreSQL-only checks of the changelog maximum age that need a second datastore (another
 * process) or raw SQL: the history horizon row, a purge by another process overtaking a running
 * stream, and a foreign token once history has been lost.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../index.js';
import { createDataStore } from '../../registry.js';
import type { DataStore, HistoryLostInfo } from '../../interfaces.js';
import type { DataStoreOptions } from '../../config/types.js';
import { createTestDatabase, type TestDatabase } from '../../testing/postgres.js';
import { configFromUrl } from '../../testing/postgres-config.js';
import { sampleHealthEvent, StreamReader, uniqueName } from '../../testing/contract-support.js';

const HOUR = 60 * 60 * 1000;
const twoHoursLater = () => new Date(Date.now() + 2 * HOUR);

interface Warning {
  obj: Record<string, unknown>;
  msg: string;
}

describe('postgresql changelog maximum age', () => {
  let database: TestDatabase;
  let session: pg.Client;
  const open: DataStore[] = [];
  const connect = async (options: DataStoreOptions = {}): Promise<DataStore> => {
    const ds = await createDataStore(
      configFromUrl(database.url, {
        changeStreamPollIntervalMs: 50,
        changelogRetentionIntervalMs: 0,
        changelogRetentionMs: 0,
        changelogMaxAgeMs: HOUR,
        ...options,
      }),
    );
    open.push(ds);
    return ds;
  };
  const horizon = async (): Promise<string | undefined> => {
    const result = await session.query<{ token: string }>(
      "SELECT txid::text || '-' || change_id::text AS token FROM nvsentinel_changelog_horizon WHERE table_name = 'health_events'",
    );
    return result.rows[0]?.token;
  };
  const insert = (ds: DataStore, node: string, n = 1) =>
    ds
      .healthEventStore()
      .insertHealthEvents(...Array.from({ length: n }, () => ({ healthEvent: sampleHealthEvent({ nodeName: node }) })));

  beforeAll(async () => {
    database = await createTestDatabase('nvs_max_age');
    session = new pg.Client({ connectionString: database.url });
    await session.connect();
  });

  afterAll(async () => {
    await Promise.all(open.map((ds) => ds.close()));
    await session?.end();
    await database?.drop();
  });

  it('a purge by another process overtakes a running stream; the horizon is the highest position deleted for its age and only moves forward', async () => {
    const warnings: Warning[] = [];
    const consumer = await connect();
    const janitor = await connect({ logger: { warn: (obj, msg) => void warnings.push({ obj, msg }) } });
    const node = uniqueName('node');
    const pipeline = [{ $match: { 'fullDocument.healthevent.nodename': node } }];
    const clientName = uniqueName('slow');
    const lost: HistoryLostInfo[] = [];
    let noticed!: () => void;
    const lossNoticed = new Promise<void>((resolve) => {
      noticed = resolve;
    });
    const onHistoryLost = (info: HistoryLostInfo) => {
      lost.push(info);
      noticed();
    };
    const reader = new StreamReader(consumer.healthEventStore().watch({ clientName, pipeline, onHistoryLost }));
    try {
      await reader.ready();
      await insert(consumer, node);
      const [first] = await reader.take(1);
      await reader.stream.markProcessed(first!.resumeToken);
      const overtaken = await insert(consumer, node, 2);
      const last = await session.query<{ token: string }>(
        "SELECT txid::text || '-' || id::text AS token FROM nvsentinel_changelog ORDER BY txid DESC, id DESC LIMIT 1",
      );

      expect(await janitor.purgeChangelog!({ now: twoHoursLater() })).toBe(3);
      expect(await horizon()).toBe(last.rows[0]!.token);
      expect((await session.query('SELECT count(*)::int AS n FROM nvsentinel_changelog')).rows[0].n).toBe(0);
      // One warning for the purge, naming the consumer whose stored token it passed.
      expect(warnings).toHaveLength(1);
      expect(warnings[0]!.obj.clients).toEqual([clientName]);

      // The other process's stream notices on its next read.
      const pending = reader.next();
      await lossNoticed;
      expect(lost).toHaveLength(1);
      expect(lost[0]).toEqual({ clientName, phase: 'runtime', reason: 'token-unusable' });
      const [fresh] = await insert(consumer, node);
      const event = await pending;
      expect(event?.documentKey._id).toBe(fresh);
      expect(overtaken).not.toContain(event?.documentKey._id);
      // The stored token moved to the horizon: a crash now resumes at the oldest retained change.
      const stored = await session.query<{ token: string }>(
        "SELECT txid::text || '-' || change_id::text AS token FROM resume_tokens WHERE client_name = $1",
        [clientName],
      );
      expect(stored.rows[0]?.token).toBe(last.rows[0]!.token);

      // Forward only: a purge that deletes lower positions for their age leaves the horizon where it is.
      await session.query(
        "UPDATE nvsentinel_changelog_horizon SET txid = '9000000000000'::xid8 WHERE table_name = 'health_events'",
      );
      await insert(consumer, node);
      expect(await janitor.purgeChangelog!({ now: twoHoursLater() })).toBeGreaterThan(0);
      expect(await horizon()).toMatch(/^9000000000000-/);
      // Nobody newly passed: no second warning.
      expect(warnings).toHaveLength(1);
      await session.query('DELETE FROM nvsentinel_changelog_horizon');
    } finally {
      await reader.close();
    }
  });

  it('a stored token from another database lifetime reports history lost once the maximum age has deleted changes', async () => {
    const ds = await connect({ logger: { warn: () => undefined } });
    const node = uniqueName('node');
    await insert(ds, node);
    await ds.purgeChangelog!({ now: twoHoursLater() });
    expect(await horizon()).toBeDefined();
    const clientName = uniqueName('foreign');
    await session.query(
      "INSERT INTO resume_tokens (client_name, txid, change_id) VALUES ($1, '9000000000000'::xid8, 1)",
      [clientName],
    );
    const lost: HistoryLostInfo[] = [];
    const reader = new StreamReader(
      ds.healthEventStore().watch({
        clientName,
        pipeline: [{ $match: { 'fullDocument.healthevent.nodename': node } }],
        onHistoryLost: (info) => void lost.push(info),
      }),
    );
    try {
      await reader.ready();
      expect(lost).toEqual([{ clientName, phase: 'initialization', reason: 'token-unusable' }]);
      const [fresh] = await insert(ds, node);
      expect((await reader.take(1))[0]!.documentKey._id).toBe(fresh);
    } finally {
      await reader.close();
    }
  });
});
