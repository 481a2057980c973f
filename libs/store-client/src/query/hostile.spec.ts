/**
 * Safety: hostile field names and values never change the SQL's shape. Only parameters reach
 * SQL, so a name full of quotes, semicolons, comment markers and unicode either matches the
 * documents that really have that key (same as mingo) or is refused with a validation error
 * (U+0000, empty components, a leading "$") — it never produces a SQL error or injection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sql } from 'kysely';
import {
  createQueryHarness,
  mingoAggregate,
  mingoFilterIds,
  sameValue,
  type QueryHarness,
} from '../testing/query-harness.js';
import { compileFilter, compilePipeline } from './index.js';
import { isDatastoreError } from '../errors.js';

const SEED = Number(process.env.NVS_QUERY_SEED ?? Date.now() % 2 ** 31);
const NASTY = [
  "'",
  '"',
  ';',
  '--',
  '/*',
  '*/',
  '\\',
  '$1',
  '%s',
  ')',
  '(',
  ' OR 1=1',
  "'); DROP TABLE docs; --",
  '${x}',
  '\n',
  '💥',
  'é',
  '{',
  '}',
  '[',
  ']',
  ',',
  '::',
  '\u0000',
];

const hostileKey = fc.oneof(
  fc.string({ minLength: 1, maxLength: 8 }),
  fc.array(fc.constantFrom(...NASTY), { minLength: 1, maxLength: 3 }).map((parts) => parts.join('')),
);
const hostileValue = fc.oneof(
  fc.string({ maxLength: 10 }),
  fc.constantFrom(...NASTY),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
);

describe(`hostile names and values (seed ${SEED})`, () => {
  let h: QueryHarness;
  const docsFor = (key: string, value: unknown) => [
    { _id: 'has', [key]: value, nested: { [key]: value } },
    { _id: 'other', x: 1 },
  ];
  beforeAll(async () => {
    h = await createQueryHarness('q_hostile');
  });
  afterAll(async () => h?.close());

  it('filters with hostile keys and values run as plain parameters', async () => {
    await fc.assert(
      fc.asyncProperty(
        hostileKey,
        hostileValue,
        fc.constantFrom('eq', 'ne', 'in', 'exists', 'nested', 'expr', 'getField'),
        async (key, value, kind) => {
          const filter =
            kind === 'eq'
              ? { [key]: value }
              : kind === 'ne'
                ? { [key]: { $ne: value } }
                : kind === 'in'
                  ? { [key]: { $in: [value, 'x'] } }
                  : kind === 'exists'
                    ? { [key]: { $exists: true } }
                    : kind === 'nested'
                      ? { [`nested.${key}`]: value }
                      : kind === 'expr'
                        ? { $expr: { $eq: [`$${key}`, { $literal: value }] } }
                        : {
                            $expr: {
                              $eq: [{ $getField: { field: { $literal: key }, input: '$nested' } }, { $literal: value }],
                            },
                          };
          const docs = docsFor(key, value);
          let compiled;
          try {
            compiled = compileFilter(filter, sql`doc`);
          } catch (err) {
            // A key starting with "$" reads as an (unknown) operator: refused as unsupported, like MongoDB refuses it.
            expect(
              isDatastoreError(err, 'validation') || isDatastoreError(err, 'unsupported_pipeline'),
              `refused cleanly: ${(err as Error).message}`,
            ).toBe(true);
            return;
          }
          const containsNul = key.includes('\u0000') || (typeof value === 'string' && value.includes('\u0000'));
          if (containsNul) return; // refused above in every path that reaches SQL
          await h.load(docs);
          const { rows } = await sql<{
            id: unknown;
          }>`SELECT doc -> '_id' AS id FROM docs WHERE ${compiled} ORDER BY docs.id`.execute(h.db);
          const ids = rows.map((r) => r.id);
          if (kind !== 'expr' && kind !== 'getField' && !key.includes('.') && !key.startsWith('$')) {
            expect(ids, `filter=${JSON.stringify(filter)}`).toEqual(mingoFilterIds(filter, docs));
          } else if (kind === 'getField') {
            // A missing input makes $getField return null (MongoDB docs), so null also matches 'other'.
            expect(ids).toEqual(value === null ? ['has', 'other'] : ['has']);
          }
          const { rows: tables } = await sql<{
            n: number;
          }>`SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'docs'`.execute(h.db);
          expect(tables[0].n).toBe(1);
        },
      ),
      { seed: SEED, numRuns: 200, endOnFailure: true },
    );
  });

  it('pipelines with hostile output names and literals', async () => {
    await fc.assert(
      fc.asyncProperty(hostileKey, hostileValue, async (key, value) => {
        const pipeline = [
          { $addFields: { [key]: { $literal: value } } },
          { $group: { _id: `$${key}`, n: { $sum: 1 } } },
          { $sort: { _id: 1 } },
        ];
        let compiled;
        try {
          compiled = compilePipeline(pipeline, sql`(SELECT doc FROM docs ORDER BY id)`);
        } catch (err) {
          // A key starting with "$" reads as an (unknown) operator: refused as unsupported, like MongoDB refuses it.
          expect(
            isDatastoreError(err, 'validation') || isDatastoreError(err, 'unsupported_pipeline'),
            `refused cleanly: ${(err as Error).message}`,
          ).toBe(true);
          return;
        }
        const docs = docsFor('k', 1);
        await h.load(docs);
        const { rows } = await compiled.execute(h.db);
        expect(
          sameValue(
            rows.map((r) => r.doc),
            mingoAggregate(pipeline, docs),
          ),
          `pipeline=${JSON.stringify(pipeline)}`,
        ).toBe(true);
      }),
      { seed: SEED + 1, numRuns: 100, endOnFailure: true },
    );
  });
});
