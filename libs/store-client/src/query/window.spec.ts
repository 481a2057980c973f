/**
 * `$setWindowFields` against mingo on generated health events, plus the burst-window idiom an
 * analyzer rule uses (events of the same GPU within 3 minutes before each event).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createQueryHarness, firstDifference, mingoAggregate, type QueryHarness } from '../testing/query-harness.js';
import { docBatch } from '../testing/query-arbitraries.js';

const SEED = Number(process.env.NVS_QUERY_SEED ?? Date.now() % 2 ** 31);

const withDates = { $match: { createdAt: { $exists: true } } };
const CASES: Record<string, Record<string, unknown>[]> = {
  'running count and sum per node': [
    withDates,
    {
      $setWindowFields: {
        partitionBy: '$healthevent.nodename',
        sortBy: { createdAt: 1, _id: 1 },
        output: {
          running: { $count: {}, window: { documents: ['unbounded', 'current'] } },
          total: {
            $sum: { $ifNull: ['$healthevent.recommendedaction', 0] },
            window: { documents: ['unbounded', 'current'] },
          },
          all: { $sum: 1 },
        },
      },
    },
    { $project: { running: 1, total: 1, all: 1 } },
    { $sort: { _id: 1 } },
  ],
  'sliding documents window, first/last/push/min/max': [
    withDates,
    {
      $setWindowFields: {
        sortBy: { createdAt: 1, _id: 1 },
        output: {
          prevIds: { $push: '$_id', window: { documents: [-2, 0] } },
          first: { $first: '$_id', window: { documents: [-1, 1] } },
          last: { $last: '$_id', window: { documents: [-1, 1] } },
          minAction: { $min: '$healthevent.recommendedaction', window: { documents: [-3, 0] } },
          maxAction: { $max: '$healthevent.recommendedaction', window: { documents: [0, 3] } },
        },
      },
    },
    { $project: { prevIds: 1, first: 1, last: 1, minAction: 1, maxAction: 1 } },
    { $sort: { _id: 1 } },
  ],
  ranking: [
    withDates,
    {
      $setWindowFields: {
        partitionBy: '$healthevent.checkname',
        sortBy: { createdAt: -1 },
        output: { rank: { $rank: {} }, dense: { $denseRank: {} } },
      },
    },
    { $project: { rank: 1, dense: 1, createdAt: 1 } },
    { $sort: { _id: 1 } },
  ],
  'events within the previous 36 hours (range window with unit)': [
    withDates,
    {
      $setWindowFields: {
        partitionBy: '$healthevent.nodename',
        sortBy: { createdAt: 1 },
        output: { recent: { $count: {}, window: { range: [-36, 0], unit: 'hour' } } },
      },
    },
    { $project: { recent: 1 } },
    { $sort: { _id: 1 } },
  ],
};

describe(`$setWindowFields vs mingo (seed ${SEED})`, () => {
  let h: QueryHarness;
  let docs: Record<string, unknown>[];
  beforeAll(async () => {
    h = await createQueryHarness('q_window');
    [docs] = fc.sample(docBatch(30, 40), { seed: SEED, numRuns: 1 });
    await h.load(docs);
  });
  afterAll(async () => h?.close());

  for (const [name, pipeline] of Object.entries(CASES)) {
    it(name, async () => {
      const actual = await h.sqlAggregate(pipeline);
      const expected = mingoAggregate(pipeline, docs);
      expect(firstDifference(actual, expected), `seed=${SEED}`).toBeUndefined();
    });
  }
});
