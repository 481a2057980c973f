import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueryHarness, mingoAggregate, mingoFilterIds, type QueryHarness } from '../testing/query-harness.js';

const docs = [
  {
    _id: 'a',
    createdAt: new Date('2026-01-01T00:00:00Z'),
    healthevent: {
      nodename: 'n1',
      errorcode: ['79', '48'],
      ishealthy: false,
      processingstrategy: 1,
      entitiesimpacted: [{ entitytype: 'GPU', entityvalue: '0' }],
    },
  },
  {
    _id: 'b',
    createdAt: new Date('2026-01-02T00:00:00Z'),
    healthevent: { nodename: 'n2', errorcode: [], ishealthy: true },
    healtheventstatus: { nodequarantined: 'Quarantined' },
  },
  {
    _id: 'c',
    createdAt: new Date('2026-01-03T00:00:00Z'),
    healthevent: {
      nodename: 'n1',
      errorcode: ['13'],
      ishealthy: false,
      processingstrategy: 3,
      entitiesimpacted: [
        { entitytype: 'GPU', entityvalue: '1' },
        { entitytype: 'PCI', entityvalue: 'x' },
      ],
    },
  },
];

describe('query translator smoke', () => {
  let h: QueryHarness;
  beforeAll(async () => {
    h = await createQueryHarness('q_smoke');
    await h.load(docs);
  });
  afterAll(async () => h?.close());

  const filters = [
    { 'healthevent.nodename': 'n1' },
    { 'healthevent.errorcode': '79' },
    { 'healthevent.errorcode.0': '13' },
    { 'healthevent.processingstrategy': { $in: [1, 3, null] } },
    { 'healthevent.entitiesimpacted.entitytype': 'PCI' },
    { createdAt: { $gt: new Date('2026-01-01T12:00:00Z') } },
    { $or: [{ 'healtheventstatus.nodequarantined': { $exists: true } }, { 'healthevent.errorcode': { $size: 2 } }] },
    { $expr: { $eq: [{ $getField: { field: 'nodename', input: '$healthevent' } }, 'n2'] } },
  ];
  for (const filter of filters) {
    it(`filter ${JSON.stringify(filter)}`, async () => {
      expect(await h.sqlFilterIds(filter)).toEqual(mingoFilterIds(filter, docs));
    });
  }

  it('pipeline', async () => {
    const pipeline = [
      { $match: { 'healthevent.ishealthy': false } },
      { $unwind: '$healthevent.entitiesimpacted' },
      {
        $group: {
          _id: '$healthevent.nodename',
          n: { $sum: 1 },
          codes: { $push: '$healthevent.entitiesimpacted.entityvalue' },
        },
      },
      { $sort: { _id: 1 } },
    ];
    expect(await h.sqlAggregate(pipeline)).toEqual(mingoAggregate(pipeline, docs));
  });
});
