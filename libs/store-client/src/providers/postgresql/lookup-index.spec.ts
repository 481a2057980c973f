/**
 * The `$lookup` node push-down on PostgreSQL: a rule's sub-pipeline `$expr` equating
 * `healthevent.nodename` with a `let` variable also filters the foreign rows on the indexed
 * `node_name` column. Same rows with and without it (including documents whose node name is
 * missing, null or not a string), and the plan reads the foreign rows through the node index.
 */
import pg from 'pg';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../index.js';
import { createDataStore } from '../../registry.js';
import type { DataStore } from '../../interfaces.js';
import { compilePipeline, type CompileOptions } from '../../query/index.js';
import { LOOKUP_COLLECTIONS, LOOKUP_INDEXED_COLUMNS } from '../sql/collections.js';
import { createTestDatabase, type TestDatabase } from '../../testing/postgres.js';
import { configFromUrl } from '../../testing/postgres-config.js';
import { sampleHealthEvent } from '../../testing/contract-support.js';

const PIPELINE = [
  {
    $lookup: {
      from: 'HealthEvents',
      let: { node: '$healthevent.nodename', id: '$_id' },
      pipeline: [
        { $match: { $expr: { $and: [{ $eq: ['$healthevent.nodename', '$$node'] }, { $ne: ['$_id', '$$id'] }] } } },
        { $project: { _id: 1 } },
      ],
      as: 'others',
    },
  },
  { $project: { _id: 1, n: { $size: '$others' }, others: 1 } },
  { $sort: { _id: 1 } },
];

describe('postgresql $lookup node push-down', () => {
  let database: TestDatabase;
  let datastore: DataStore;
  let pool: pg.Pool;
  let db: Kysely<any>;

  const run = async (options: CompileOptions, explain = false) => {
    const compiled = compilePipeline(PIPELINE, sql`(SELECT document AS doc FROM health_events)`, options).compile(db);
    const text = explain ? `EXPLAIN (COSTS OFF) ${compiled.sql}` : compiled.sql;
    return (await pool.query(text, compiled.parameters as unknown[])).rows;
  };

  beforeAll(async () => {
    database = await createTestDatabase('nvs_lookup_index');
    datastore = await createDataStore(configFromUrl(database.url));
    const store = datastore.healthEventStore();
    for (const node of ['a', 'a', 'a', 'b', 'b', 'c'])
      await store.insertHealthEvents({ healthEvent: sampleHealthEvent({ nodeName: node }) });
    pool = new pg.Pool({ connectionString: database.url, max: 2 });
    pool.on('error', () => undefined); // the database is dropped at the end, terminating idle connections
    db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
    // Documents no ingest would store, written raw: the push-down must not drop their matches.
    for (const nodename of ['missing', null, 5, 5, '5']) {
      const healthevent: Record<string, unknown> = { agent: 'raw', ishealthy: false };
      if (nodename !== 'missing') healthevent['nodename'] = nodename;
      await pool.query(
        `INSERT INTO health_events (id, document) VALUES (gen_random_uuid(), jsonb_build_object('_id', gen_random_uuid()::text, 'healthevent', $1::jsonb))`,
        [JSON.stringify(healthevent)],
      );
    }
  }, 60_000);

  afterAll(async () => {
    await db?.destroy();
    await datastore?.close();
    await database?.drop();
  });

  it('returns the same documents with the push-down as without it', async () => {
    const base = { collections: LOOKUP_COLLECTIONS };
    const without = await run(base);
    const withIndex = await run({ ...base, lookupIndexedColumns: LOOKUP_INDEXED_COLUMNS });
    expect(withIndex).toEqual(without);
    const counts = withIndex.map((r) => (r.doc as { n: number }).n).sort();
    // a: 2 others each; b: 1 each; c: 0; the two numeric 5s see each other.
    expect(counts.filter((n) => n === 2)).toHaveLength(3);
    expect(counts.filter((n) => n === 1).length).toBeGreaterThanOrEqual(4);
  });

  it('reads the foreign rows through the node index instead of scanning the table per document', async () => {
    await pool.query('SET enable_seqscan = off'); // a 11-row table: make the planner show what it can use
    const plan = (await run({ collections: LOOKUP_COLLECTIONS, lookupIndexedColumns: LOOKUP_INDEXED_COLUMNS }, true))
      .map((r) => String(r['QUERY PLAN']))
      .join('\n');
    expect(plan).toMatch(/Index.*health_events_node/);
    expect(plan).toMatch(/node_name = /);
  });

  it('the HealthEvents store aggregate gives the same answer (the store passes the push-down options)', async () => {
    const docs = await datastore
      .healthEventStore()
      .aggregate([{ $match: { 'healthevent.nodename': 'a' } }, ...PIPELINE]);
    expect(docs.map((d) => d['n'])).toEqual([2, 2, 2]);
  });
});
