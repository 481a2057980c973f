/**
 * MongoDB behaviour asserted directly, where mingo (the differential oracle) deviates from
 * MongoDB's documentation — each case names the rule — plus errors for unsupported input.
 * Every case runs on PostgreSQL and, for filters, through the in-process matcher too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createQueryHarness, type QueryHarness } from '../testing/query-harness.js';
import { compileFilter, compilePipeline } from './index.js';
import { matchesFilter } from '../testing/in-process-match/index.js';
import { DatastoreError } from '../errors.js';

const docs = [
  { _id: 'missing' },
  { _id: 'null', v: null },
  { _id: 'num', v: 5, tags: 'x' },
  { _id: 'str', v: 'abc', tags: ['x', 'y'] },
  { _id: 'date', v: new Date('2026-01-01T00:00:00Z'), tags: [] },
  { _id: 'arr', v: [3, 1, 7] },
  { _id: 'bool', v: true, sub: { a: 1, b: 2 } },
  { _id: 'frac', v: 7.5 },
];

describe('MongoDB semantics where mingo deviates', () => {
  let h: QueryHarness;
  beforeAll(async () => {
    h = await createQueryHarness('q_semantics');
    await h.load(docs);
  });
  afterAll(async () => h?.close());

  async function ids(filter: Record<string, unknown>): Promise<unknown[]> {
    const fromSql = await h.sqlFilterIds(filter);
    expect(
      docs.filter((d) => matchesFilter(filter, d)).map((d) => d._id),
      'in-process matcher agrees',
    ).toEqual(fromSql);
    return fromSql;
  }

  it('$expr orders missing below null ("$gt": [field, null] is the exists-and-not-null idiom)', async () => {
    expect(await ids({ $expr: { $eq: ['$v', null] } })).toEqual(['null']);
    expect(await ids({ $expr: { $lt: ['$v', null] } })).toEqual(['missing']);
    expect(await ids({ $expr: { $gt: ['$v', null] } })).toEqual(['num', 'str', 'date', 'arr', 'bool', 'frac']);
  });

  it('$expr comparisons across types follow the BSON order (numbers < strings < arrays < booleans < dates)', async () => {
    expect(await ids({ $expr: { $gt: ['$v', 'zzz'] } })).toEqual(['date', 'arr', 'bool']);
    expect(await ids({ $expr: { $lt: ['$v', 0] } })).toEqual(['missing', 'null']);
  });

  it('constant-folded time windows compare natively and fall back to BSON order for other types', async () => {
    const weekBefore = { $subtract: [new Date('2026-01-08T00:00:00Z'), 7 * 86_400_000] };
    expect(await h.sqlFilterIds({ $expr: { $gte: ['$v', weekBefore] } })).toEqual(['date']);
    expect(await h.sqlFilterIds({ $expr: { $lte: [weekBefore, '$v'] } })).toEqual(['date']);
    expect(await h.sqlFilterIds({ $expr: { $lt: ['$v', weekBefore] } })).toEqual([
      'missing',
      'null',
      'num',
      'str',
      'arr',
      'bool',
      'frac',
    ]);
    expect(await h.sqlFilterIds({ $expr: { $gt: [{ $add: [2, 3] }, '$v'] } })).toEqual(['missing', 'null']);
  });

  it('query range operators only match values of the operand type bracket', async () => {
    expect(await ids({ v: { $gt: 4 } })).toEqual(['num', 'arr', 'frac']);
    expect(await ids({ v: { $lt: 'b' } })).toEqual(['str']);
    expect(await ids({ v: { $gte: new Date('2025-01-01T00:00:00Z') } })).toEqual(['date']);
  });

  it('$gte/$lte null match null and missing; $gt/$lt null match nothing', async () => {
    expect(await ids({ v: { $gte: null } })).toEqual(['missing', 'null']);
    expect(await ids({ v: { $lt: null } })).toEqual([]);
  });

  it('$all is an $and of equalities, so it matches a scalar field too', async () => {
    expect(await ids({ tags: { $all: ['x'] } })).toEqual(['num', 'str']);
  });

  it('$type matches array elements ("Querying by Array Type")', async () => {
    expect(await ids({ v: { $type: 'number' } })).toEqual(['num', 'arr', 'frac']);
    expect(await ids({ v: { $type: 'array' } })).toEqual(['arr']);
  });

  it('$mod only matches numbers, truncating fractions', async () => {
    expect(await ids({ v: { $mod: [2, 1] } })).toEqual(['num', 'arr', 'frac']);
  });

  it('$in with an array value also matches the whole array', async () => {
    expect(await ids({ v: { $in: [[3, 1, 7]] } })).toEqual(['arr']);
    expect(await ids({ tags: { $in: [[]] } })).toEqual(['date']);
  });

  it('sorts arrays by their smallest element ascending and largest descending, missing/null first', async () => {
    const asc = await h.sqlAggregate([
      { $match: { v: { $type: 'number' } } },
      { $sort: { v: 1 } },
      { $project: { _id: 1 } },
    ]);
    expect(asc).toEqual([{ _id: 'arr' }, { _id: 'num' }, { _id: 'frac' }]);
    const desc = await h.sqlAggregate([
      { $match: { v: { $type: 'number' } } },
      { $sort: { v: -1 } },
      { $project: { _id: 1 } },
    ]);
    expect(desc).toEqual([{ _id: 'frac' }, { _id: 'arr' }, { _id: 'num' }]);
    const all = await h.sqlAggregate([{ $sort: { v: 1, _id: 1 } }, { $project: { _id: 1 } }]);
    expect(all.map((d) => (d as { _id: string })._id)).toEqual([
      'missing',
      'null',
      'arr',
      'num',
      'frac',
      'str',
      'bool',
      'date',
    ]);
  });

  it('an empty array sorts before null and missing', async () => {
    const asc = await h.sqlAggregate([{ $sort: { tags: 1, _id: 1 } }, { $project: { _id: 1 } }]);
    expect(asc.map((d) => (d as { _id: string })._id)).toEqual([
      'date',
      'arr',
      'bool',
      'frac',
      'missing',
      'null',
      'num',
      'str',
    ]);
    const desc = await h.sqlAggregate([{ $sort: { tags: -1, _id: 1 } }, { $project: { _id: 1 } }]);
    expect(desc.map((d) => (d as { _id: string })._id)).toEqual([
      'str',
      'num',
      'arr',
      'bool',
      'frac',
      'missing',
      'null',
      'date',
    ]);
  });

  it('$push and $addToSet skip missing values but keep nulls', async () => {
    const [g] = await h.sqlAggregate([
      { $sort: { _id: 1 } },
      { $group: { _id: null, vs: { $push: '$v' }, n: { $sum: 1 } } },
    ]);
    expect((g as { vs: unknown[] }).vs).toHaveLength(7);
    expect((g as { n: number }).n).toBe(8);
  });

  it('$count over no documents returns no document', async () => {
    expect(await h.sqlAggregate([{ $match: { nope: 1 } }, { $count: 'n' }])).toEqual([]);
  });

  it('$toLower of null or missing is the empty string; $getField of a null input is null', async () => {
    const rows = await h.sqlAggregate([
      { $match: { _id: 'missing' } },
      { $project: { l: { $toLower: '$v' }, g: { $getField: { field: 'a', input: '$v' } } } },
    ]);
    expect(rows).toEqual([{ _id: 'missing', l: '', g: null }]);
  });

  it('$addFields with an embedded document merges into the existing one', async () => {
    const rows = await h.sqlAggregate([{ $match: { _id: 'bool' } }, { $addFields: { sub: { c: 3 } } }]);
    expect(rows).toEqual([{ _id: 'bool', v: true, sub: { a: 1, b: 2, c: 3 } }]);
  });

  it('$getField reads a key containing dots as one key (change-stream updatedFields)', async () => {
    const rows = await h.sqlAggregate([
      { $match: { _id: 'num' } },
      { $replaceWith: { updatedFields: { $literal: { 'healtheventstatus.nodequarantined': 'Quarantined' } } } },
      {
        $match: {
          $expr: {
            $eq: [
              { $getField: { field: 'healtheventstatus.nodequarantined', input: '$updatedFields' } },
              'Quarantined',
            ],
          },
        },
      },
    ]);
    expect(rows).toHaveLength(1);
  });

  it('$indexOfCP counts code points from 0 and gives -1 when absent (not in mingo)', async () => {
    const rows = await h.sqlAggregate([
      { $match: { _id: 'str' } },
      { $project: { _id: 0, b: { $indexOfCP: ['$v', 'b'] }, z: { $indexOfCP: ['$v', 'z'] } } },
    ]);
    expect(rows).toEqual([{ b: 1, z: -1 }]);
  });

  it('$dateAdd/$dateSubtract clamp months to the month end (documented MongoDB behaviour)', async () => {
    const rows = await h.sqlAggregate([
      { $match: { _id: 'num' } },
      {
        $project: {
          _id: 0,
          feb: { $dateAdd: { startDate: new Date('2026-01-31T10:00:00Z'), unit: 'month', amount: 1 } },
          nov: { $dateSubtract: { startDate: new Date('2025-12-31T23:59:59.999Z'), unit: 'month', amount: 1 } },
          q: { $dateAdd: { startDate: new Date('2026-01-15T00:00:00Z'), unit: 'quarter', amount: 1 } },
          none: { $dateAdd: { startDate: '$nope', unit: 'day', amount: 1 } },
        },
      },
    ]);
    expect(rows).toEqual([
      {
        feb: new Date('2026-02-28T10:00:00Z'),
        nov: new Date('2025-11-30T23:59:59.999Z'),
        q: new Date('2026-04-15T00:00:00Z'),
        none: null,
      },
    ]);
  });

  it('dates round-trip, compare with JS Dates, and do arithmetic in milliseconds', async () => {
    const rows = await h.sqlAggregate([
      { $match: { v: new Date('2026-01-01T00:00:00Z') } },
      {
        $project: {
          _id: 0,
          later: { $add: ['$v', 86_400_000] },
          ms: { $subtract: [{ $add: ['$v', 1500] }, '$v'] },
          s: { $dateToString: { format: '%Y/%m/%d %H:%M:%S.%L', date: '$v' } },
        },
      },
    ]);
    expect(rows).toEqual([{ later: new Date('2026-01-02T00:00:00Z'), ms: 1500, s: '2026/01/01 00:00:00.000' }]);
  });
});

describe('errors name the stage, operator and position', () => {
  const source = sql`(SELECT doc FROM docs)`;
  function error(fn: () => unknown): DatastoreError {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(DatastoreError);
      return err as DatastoreError;
    }
    throw new Error('expected a DatastoreError');
  }

  it('unsupported stage', () => {
    const e = error(() => compilePipeline([{ $match: {} }, { $bucketAuto: { groupBy: '$v', buckets: 2 } }], source));
    expect(e.code).toBe('unsupported_pipeline');
    expect(e.details).toMatchObject({ stage: '$bucketAuto', index: 1 });
    expect(e.message).toContain('Supported stages');
  });

  it('unsupported query and expression operators', () => {
    expect(error(() => compileFilter({ v: { $near: [0, 0] } }, sql`doc`)).details).toMatchObject({ operator: '$near' });
    expect(error(() => compileFilter({ $where: 'true' }, sql`doc`)).code).toBe('unsupported_pipeline');
    const e = error(() =>
      compilePipeline([{ $project: { x: { $reduce: { input: [], initialValue: 0, in: 1 } } } }], source),
    );
    expect(e.details).toMatchObject({ stage: '$project', index: 0, operator: '$reduce' });
  });

  it('malformed input is a validation error', () => {
    expect(error(() => compilePipeline([{ $limit: -1 }], source)).code).toBe('validation');
    expect(error(() => compilePipeline([{ $limit: 1, $skip: 1 }], source)).code).toBe('validation');
    expect(error(() => compileFilter({ 'a..b': 1 }, sql`doc`)).code).toBe('validation');
    expect(error(() => compileFilter({ a: { $gt: 1, b: 2 } }, sql`doc`)).code).toBe('validation');
    expect(error(() => compilePipeline([{ $project: { a: 1, b: 0 } }], source)).code).toBe('validation');
  });

  it('regex features PostgreSQL would read differently are refused, not silently changed', () => {
    expect(error(() => compileFilter({ v: /\x41/ }, sql`doc`)).code).toBe('unsupported_pipeline');
    expect(error(() => compileFilter({ v: /(?<name>a)/ }, sql`doc`)).code).toBe('unsupported_pipeline');
  });
});
