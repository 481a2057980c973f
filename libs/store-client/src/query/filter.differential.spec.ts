/**
 * Differential test: generated filters evaluated by the SQL translator on a real PostgreSQL, by
 * the in-process matcher, and by mingo (an independent MongoDB engine) must select the same
 * documents. Set NVS_QUERY_SEED to replay a run; the seed is printed in every failure.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createQueryHarness, mingoFilterIds, type QueryHarness } from '../testing/query-harness.js';
import { docBatch, filterArb } from '../testing/query-arbitraries.js';
import { matchesFilter } from '../testing/in-process-match/index.js';

const SEED = Number(process.env.NVS_QUERY_SEED ?? Date.now() % 2 ** 31);
const BATCHES = 4;
const FILTERS_PER_BATCH = Number(process.env.NVS_QUERY_RUNS ?? 500);

describe(`filter differential vs mingo (seed ${SEED})`, () => {
  let h: QueryHarness;
  beforeAll(async () => {
    h = await createQueryHarness('q_filter_diff');
  });
  afterAll(async () => h?.close());

  for (let batch = 0; batch < BATCHES; batch++) {
    it(`batch ${batch}: ${FILTERS_PER_BATCH} filters`, async () => {
      const [docs] = fc.sample(docBatch(25, 40), { seed: SEED + batch, numRuns: 1 });
      await h.load(docs);
      await fc.assert(
        fc.asyncProperty(filterArb, async (filter) => {
          const expected = mingoFilterIds(filter, docs);
          const context = `seed=${SEED} batch=${batch} filter=${JSON.stringify(filter)}`;
          expect(await h.sqlFilterIds(filter), `SQL ${context}`).toEqual(expected);
          expect(
            docs.filter((d) => matchesFilter(filter, d)).map((d) => d._id),
            `in-process ${context}`,
          ).toEqual(expected);
        }),
        { seed: SEED + 1000 * (batch + 1), numRuns: FILTERS_PER_BATCH, endOnFailure: true },
      );
    });
  }
});
