/**
 * Differential test: generated aggregation pipelines compiled to one SQL statement on a real
 * PostgreSQL must return what mingo returns for the same documents. Orders are made total by
 * the generator (sorts end with _id); `$addToSet` results (fields named set_*) are compared as sets.
 * Set NVS_QUERY_SEED to replay; the seed is printed in every failure.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import fc from 'fast-check';
import {
  createQueryHarness,
  firstDifference,
  mingoAggregate,
  normaliseResult,
  sameValue,
  type QueryHarness,
} from '../testing/query-harness.js';
import { docBatch, pipelineArb } from '../testing/query-arbitraries.js';

const SEED = Number(process.env.NVS_QUERY_SEED ?? Date.now() % 2 ** 31);
const BATCHES = 3;
const PIPELINES_PER_BATCH = Number(process.env.NVS_QUERY_RUNS ?? 400);

describe(`pipeline differential vs mingo (seed ${SEED})`, () => {
  let h: QueryHarness;
  beforeAll(async () => {
    h = await createQueryHarness('q_pipe_diff');
  });
  afterAll(async () => h?.close());

  for (let batch = 0; batch < BATCHES; batch++) {
    it(`batch ${batch}: ${PIPELINES_PER_BATCH} pipelines`, async () => {
      const [docs] = fc.sample(docBatch(20, 35), { seed: SEED + batch, numRuns: 1 });
      await h.load(docs);
      await fc.assert(
        fc.asyncProperty(pipelineArb, async (pipeline) => {
          const expected = normaliseResult(pipeline, mingoAggregate(pipeline, docs));
          const actual = normaliseResult(pipeline, await h.sqlAggregate(pipeline));
          if (!sameValue(actual, expected)) {
            throw new Error(
              `SQL and mingo differ (seed=${SEED} batch=${batch})\npipeline=${JSON.stringify(pipeline)}\n` +
                `first difference (sql vs mingo) at ${firstDifference(actual, expected)}`,
            );
          }
        }),
        { seed: SEED + 1000 * (batch + 1), numRuns: PIPELINES_PER_BATCH, endOnFailure: true },
      );
    });
  }
});
