/**
 * The same SQL on PGlite (PostgreSQL 18 in WASM, the `embedded` provider): the helper functions
 * install there and a subset of the differential cases returns what mingo returns.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PGlite } from '@electric-sql/pglite';
import {
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  sql,
  type RawBuilder,
} from 'kysely';
import { fromJsonValue, toJsonValue } from '../codec/ejson.js';
import { QUERY_FUNCTIONS_SQL, compileFilter, compilePipeline } from './index.js';
import { firstDifference, mingoAggregate, mingoFilterIds, normaliseResult } from '../testing/query-harness.js';
import { docBatch, filterArb, pipelineArb } from '../testing/query-arbitraries.js';

const SEED = Number(process.env.NVS_QUERY_SEED ?? Date.now() % 2 ** 31);
const RUNS = Number(process.env.NVS_PGLITE_RUNS ?? 150);

/** Kysely used only to turn RawBuilders into SQL text + parameters (no connection). */
const compiler = new Kysely<Record<string, never>>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

describe(`PGlite runs the same SQL (seed ${SEED})`, () => {
  let db: PGlite;
  let docs: Record<string, unknown>[];

  async function rows<T>(builder: RawBuilder<unknown>): Promise<T[]> {
    const compiled = builder.compile(compiler);
    const result = await db.query<T>(compiled.sql, [...compiled.parameters]);
    return result.rows;
  }

  beforeAll(async () => {
    db = new PGlite();
    await db.exec(QUERY_FUNCTIONS_SQL);
    await db.exec('CREATE TABLE docs (id serial PRIMARY KEY, doc jsonb NOT NULL)');
    [docs] = fc.sample(docBatch(25, 35), { seed: SEED, numRuns: 1 });
    await db.query(
      'INSERT INTO docs (doc) SELECT value FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY ORDER BY ordinality',
      [JSON.stringify(docs.map(toJsonValue))],
    );
  }, 60_000);
  afterAll(async () => db?.close());

  it(`${RUNS} generated filters`, async () => {
    await fc.assert(
      fc.asyncProperty(filterArb, async (filter) => {
        const found = await rows<{ id: unknown }>(
          sql`SELECT doc -> '_id' AS id FROM docs WHERE ${compileFilter(filter, sql`doc`)} ORDER BY docs.id`,
        );
        expect(
          found.map((r) => r.id),
          `seed=${SEED} filter=${JSON.stringify(filter)}`,
        ).toEqual(mingoFilterIds(filter, docs));
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
  });

  it(`${RUNS} generated pipelines`, async () => {
    await fc.assert(
      fc.asyncProperty(pipelineArb, async (pipeline) => {
        const result = (
          await rows<{ doc: unknown }>(
            compilePipeline(pipeline, sql`(SELECT doc FROM docs ORDER BY id)`, {
              collections: { Events: sql`(SELECT doc FROM docs ORDER BY id)` },
            }),
          )
        ).map((r) => fromJsonValue(r.doc));
        const difference = firstDifference(
          normaliseResult(pipeline, result),
          normaliseResult(pipeline, mingoAggregate(pipeline, docs)),
        );
        if (difference) {
          throw new Error(`seed=${SEED} pipeline=${JSON.stringify(pipeline)}: ${difference}`);
        }
      }),
      { seed: SEED + 1, numRuns: RUNS, endOnFailure: true },
    );
  });
});
