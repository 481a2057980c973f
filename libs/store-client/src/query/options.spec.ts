/**
 * CompileOptions: `$lookup` from another relation (`collections`) and indexed columns
 * (`indexedPaths`) — same answers as without them / as mingo, and the index is really used.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createQueryHarness, mingoAggregate, type QueryHarness } from '../testing/query-harness.js';
import { toJsonValue } from '../codec/ejson.js';
import { compileFilter, compilePipeline, type CompileOptions } from './index.js';

const events = [
  { _id: 'e1', node: 'n1', gpus: ['0', '1'], createdAt: new Date('2026-01-01T00:00:00Z') },
  { _id: 'e2', node: 'n2', gpus: ['3'], createdAt: new Date('2026-01-02T00:00:00Z') },
  { _id: 'e3', gpus: [], createdAt: new Date('2026-01-03T00:00:00Z') },
];
const maintenance = [
  { _id: 'm1', nodeName: 'n1', status: 'ONGOING' },
  { _id: 'm2', nodeName: 'n1', status: 'COMPLETE' },
  { _id: 'm3', nodeName: 'n3', status: 'ONGOING' },
  { _id: 'm4', status: 'DETECTED' },
];

describe('$lookup', () => {
  let h: QueryHarness;
  const options: CompileOptions = {
    collections: { MaintenanceEvents: sql`(SELECT doc FROM maintenance ORDER BY id)` },
  };
  beforeAll(async () => {
    h = await createQueryHarness('q_lookup', ['maintenance']);
    await h.load(events);
    await sql`INSERT INTO maintenance (doc) SELECT value FROM jsonb_array_elements(${JSON.stringify(maintenance.map(toJsonValue))}::jsonb) WITH ORDINALITY ORDER BY ordinality`.execute(
      h.db,
    );
  });
  afterAll(async () => h?.close());

  const check = async (pipeline: Record<string, unknown>[]) => {
    const rows = await h.sqlAggregate(pipeline, options);
    expect(rows).toEqual(mingoAggregate(pipeline, events, { MaintenanceEvents: maintenance }));
    return rows;
  };

  it('equality form, missing local field matching missing foreign field', async () => {
    const rows = await check([
      { $lookup: { from: 'MaintenanceEvents', localField: 'node', foreignField: 'nodeName', as: 'maintenance' } },
      { $project: { ids: '$maintenance._id' } },
      { $sort: { _id: 1 } },
    ]);
    expect(rows).toEqual([
      { _id: 'e1', ids: ['m1', 'm2'] },
      { _id: 'e2', ids: [] },
      { _id: 'e3', ids: ['m4'] },
    ]);
  });

  it('pipeline form with let variables', async () => {
    await check([
      {
        $lookup: {
          from: 'MaintenanceEvents',
          let: { n: '$node' },
          pipeline: [
            { $match: { $expr: { $and: [{ $eq: ['$nodeName', '$$n'] }, { $eq: ['$status', 'ONGOING'] }] } } },
            { $project: { _id: 1 } },
          ],
          as: 'ongoing',
        },
      },
      { $project: { ongoing: 1 } },
      { $sort: { _id: 1 } },
    ]);
  });

  it('an unknown collection is an error naming the available ones', async () => {
    await expect(
      h.sqlAggregate([{ $lookup: { from: 'Nope', localField: 'a', foreignField: 'b', as: 'x' } }], options),
    ).rejects.toThrow(/MaintenanceEvents/);
  });
});

describe('indexedPaths', () => {
  let h: QueryHarness;
  beforeAll(async () => {
    h = await createQueryHarness('q_indexed');
    await sql`ALTER TABLE docs ADD COLUMN node_name text GENERATED ALWAYS AS (doc ->> 'node') STORED`.execute(h.db);
    await sql`CREATE INDEX docs_node_name ON docs (node_name)`.execute(h.db);
    await h.load(events);
  });
  afterAll(async () => h?.close());

  const indexed: CompileOptions = { indexedPaths: { node: { column: sql.ref('node_name'), type: 'text' } } };
  const filters = [
    { node: 'n1' },
    { node: null },
    { node: { $in: ['n2', null] } },
    { node: { $ne: 'n1' } },
    { node: { $gt: 'n1' } },
    { node: { $regex: '^n' } },
    { node: 5 },
  ];

  for (const filter of filters) {
    it(`same rows with and without the column: ${JSON.stringify(filter)}`, async () => {
      expect(await h.sqlFilterIds(filter, indexed)).toEqual(await h.sqlFilterIds(filter));
    });
  }

  it('pipelines use the columns in their leading $match when the source exposes them', async () => {
    const pipeline = [
      { $match: { node: { $in: ['n1', 'n2'] } } },
      { $match: { gpus: '3' } },
      { $project: { node: 1 } },
      { $match: { node: 'n2' } },
    ];
    const withColumns = await compilePipeline(pipeline, sql`(SELECT doc, node_name FROM docs)`, indexed).execute(h.db);
    expect(withColumns.rows.map((r) => r.doc)).toEqual([{ _id: 'e2', node: 'n2' }]);
    expect(await h.sqlAggregate(pipeline)).toEqual([{ _id: 'e2', node: 'n2' }]);
  });

  it('equality on an indexed path can use the index', async () => {
    const where = compileFilter({ node: 'n1' }, sql`doc`, indexed);
    const plan = await h.db.transaction().execute(async (tx) => {
      await sql`SET LOCAL enable_seqscan = off`.execute(tx);
      const { rows } = await sql<{ 'QUERY PLAN': string }>`EXPLAIN SELECT doc FROM docs WHERE ${where}`.execute(tx);
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    });
    expect(plan).toMatch(/docs_node_name/);
  });
});
