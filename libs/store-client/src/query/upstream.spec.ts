/**
 * Every upstream change-stream subscription (reference §3.4) and the analyzer rule families
 * (§4.5) compile and return the right rows on PostgreSQL — checked against hand-written
 * expectations, the in-process matcher and mingo.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createQueryHarness, mingoAggregate, type QueryHarness } from '../testing/query-harness.js';
import { compileFilter } from './index.js';
import { matchesFilter } from '../testing/in-process-match/index.js';
import { CHANGE_STREAM_PIPELINES } from './fixtures/change-stream-pipelines.js';
import {
  multipleRemediations,
  repeatedNicDriverError,
  repeatedXid31OnDifferentGpus,
  repeatedXidOnSameGpu,
  xidSoloNoBurst,
  type CurrentEvent,
} from './fixtures/analyzer-rules.js';

function healthDoc(
  over: { strategy?: number | null; agent?: string; ishealthy?: boolean; quarantined?: string; eviction?: string } = {},
) {
  const healthevent: Record<string, unknown> = {
    nodename: 'n1',
    agent: over.agent ?? 'gpu-health-monitor',
    checkname: 'GpuXidError',
    ishealthy: over.ishealthy ?? false,
    isfatal: true,
  };
  if (over.strategy !== null) healthevent.processingstrategy = over.strategy ?? 1;
  return {
    healthevent,
    healtheventstatus: {
      nodequarantined: over.quarantined ?? '',
      userpodsevictionstatus: { status: over.eviction ?? '', message: '' },
    },
  };
}

const EVENTS = [
  { _id: 'ins-plain', operationType: 'insert', fullDocument: healthDoc() },
  { _id: 'ins-nostrategy', operationType: 'insert', fullDocument: healthDoc({ strategy: null }) },
  { _id: 'ins-storeonly', operationType: 'insert', fullDocument: healthDoc({ strategy: 2 }) },
  { _id: 'ins-analyse', operationType: 'insert', fullDocument: healthDoc({ strategy: 3 }) },
  { _id: 'ins-healthy', operationType: 'insert', fullDocument: healthDoc({ ishealthy: true }) },
  { _id: 'ins-own', operationType: 'insert', fullDocument: healthDoc({ agent: 'health-events-analyzer' }) },
  {
    _id: 'ins-drained',
    operationType: 'insert',
    fullDocument: healthDoc({ quarantined: 'Quarantined', eviction: 'Succeeded' }),
  },
  { _id: 'ins-cancelled', operationType: 'insert', fullDocument: healthDoc({ quarantined: 'Cancelled' }) },
  {
    _id: 'upd-quarantined',
    operationType: 'update',
    fullDocument: healthDoc({ quarantined: 'Quarantined' }),
    updateDescription: { updatedFields: { 'healtheventstatus.nodequarantined': 'Quarantined' }, removedFields: [] },
  },
  {
    _id: 'upd-unquarantined',
    operationType: 'update',
    fullDocument: healthDoc({ quarantined: 'UnQuarantined', eviction: 'Succeeded' }),
    updateDescription: { updatedFields: { 'healtheventstatus.nodequarantined': 'UnQuarantined' }, removedFields: [] },
  },
  {
    _id: 'upd-cancelled',
    operationType: 'update',
    fullDocument: healthDoc({ quarantined: 'Cancelled' }),
    updateDescription: { updatedFields: { 'healtheventstatus.nodequarantined': 'Cancelled' }, removedFields: [] },
  },
  {
    _id: 'upd-other-state',
    operationType: 'update',
    fullDocument: healthDoc(),
    updateDescription: { updatedFields: { 'healtheventstatus.nodequarantined': 'Whatever' }, removedFields: [] },
  },
  {
    _id: 'upd-drained',
    operationType: 'update',
    fullDocument: healthDoc({ quarantined: 'AlreadyQuarantined', eviction: 'AlreadyDrained' }),
    updateDescription: {
      updatedFields: { 'healtheventstatus.userpodsevictionstatus': { status: 'AlreadyDrained', message: '' } },
      removedFields: [],
    },
  },
  {
    _id: 'upd-drain-unq',
    operationType: 'update',
    fullDocument: healthDoc({ quarantined: 'UnQuarantined', eviction: 'Succeeded' }),
    updateDescription: {
      updatedFields: { 'healtheventstatus.userpodsevictionstatus': { status: 'Succeeded', message: '' } },
      removedFields: [],
    },
  },
  {
    _id: 'upd-drain-progress',
    operationType: 'update',
    fullDocument: healthDoc({ quarantined: 'Quarantined', eviction: 'InProgress' }),
    updateDescription: {
      updatedFields: { 'healtheventstatus.userpodsevictionstatus': { status: 'InProgress', message: '' } },
      removedFields: [],
    },
  },
  {
    _id: 'upd-nested-form',
    operationType: 'update',
    fullDocument: healthDoc(),
    updateDescription: { updatedFields: { healtheventstatus: { nodequarantined: 'Quarantined' } }, removedFields: [] },
  },
  {
    _id: 'upd-remediated',
    operationType: 'update',
    fullDocument: healthDoc({ quarantined: 'Quarantined', eviction: 'Succeeded' }),
    updateDescription: { updatedFields: { 'healtheventstatus.faultremediated': { value: true } }, removedFields: [] },
  },
  { _id: 'del', operationType: 'delete' },
];

const EXPECTED: Record<keyof typeof CHANGE_STREAM_PIPELINES, string[]> = {
  allHealthEventInserts: [
    'ins-plain',
    'ins-nostrategy',
    'ins-storeonly',
    'ins-analyse',
    'ins-healthy',
    'ins-own',
    'ins-drained',
    'ins-cancelled',
  ],
  processableHealthEventInserts: [
    'ins-plain',
    'ins-nostrategy',
    'ins-healthy',
    'ins-own',
    'ins-drained',
    'ins-cancelled',
  ],
  processableNonFatalUnhealthyInserts: ['ins-plain', 'ins-nostrategy', 'ins-analyse', 'ins-drained', 'ins-cancelled'],
  // The dotted key is one key: the nested {healtheventstatus: {...}} form does not match.
  nodeQuarantineStatus: ['upd-quarantined', 'upd-unquarantined', 'upd-cancelled'],
  quarantinedAndDrainedNodes: ['ins-drained', 'ins-cancelled', 'upd-cancelled', 'upd-drained', 'upd-drain-unq'],
};

describe('upstream change-stream pipelines (§3.4)', () => {
  let h: QueryHarness;
  beforeAll(async () => {
    h = await createQueryHarness('q_upstream_cs');
    await h.load(EVENTS);
  });
  afterAll(async () => h?.close());

  for (const [name, pipeline] of Object.entries(CHANGE_STREAM_PIPELINES)) {
    it(name, async () => {
      const expected = EXPECTED[name as keyof typeof CHANGE_STREAM_PIPELINES];
      const filter = pipeline[0].$match as Record<string, unknown>;
      const byFilter = await h.sqlFilterIds(filter);
      expect(new Set(byFilter)).toEqual(new Set(expected));
      const byPipeline = (await h.sqlAggregate([...pipeline])).map((d) => (d as { _id: string })._id);
      expect(new Set(byPipeline)).toEqual(new Set(expected));
      expect(new Set(EVENTS.filter((e) => matchesFilter(filter, e)).map((e) => e._id))).toEqual(new Set(expected));
      // The compiled WHERE clause works on any jsonb expression, as the change-stream reader uses it.
      const { rows } = await sql<{
        n: number;
      }>`SELECT count(*)::int AS n FROM docs WHERE ${compileFilter(filter, sql`docs.doc`)}`.execute(h.db);
      expect(rows[0].n).toBe(expected.length);
    });
  }
});

describe('analyzer rule families (§4.5) on a seeded history', () => {
  const now = new Date('2026-03-10T12:00:00.000Z');
  const at = (msAgo: number) => new Date(now.getTime() - msAgo);
  const MIN = 60_000;
  const HOUR = 60 * MIN;
  const DAY = 24 * HOUR;
  let seq = 0;
  const event = (node: string, ago: number, he: Record<string, unknown>, status: Record<string, unknown> = {}) => ({
    _id: `e${seq++}`,
    createdAt: at(ago),
    healthevent: {
      nodename: node,
      agent: 'syslog-health-monitor',
      checkname: 'SysLogsXIDError',
      isfatal: true,
      ishealthy: false,
      processingstrategy: 1,
      errorcode: ['79'],
      entitiesimpacted: [{ entitytype: 'GPU', entityvalue: '1' }],
      ...he,
    },
    healtheventstatus: {
      nodequarantined: '',
      userpodsevictionstatus: { status: '', message: '' },
      faultremediated: null,
      ...status,
    },
  });
  const remediated = { faultremediated: { value: true } };
  const history = [
    // n1: 5 remediations within 7 days (+1 older, +1 non-fatal, +1 our own output) → matches
    ...[1, 2, 3, 4, 5].map((d) => event('n1', d * DAY, {}, remediated)),
    event('n1', 9 * DAY, {}, remediated),
    event('n1', 1 * DAY, { isfatal: false }, remediated),
    event('n1', 1 * DAY, { agent: 'health-events-analyzer' }, remediated),
    // n2: 4 remediations → no match; one STORE_ONLY event that must be ignored
    ...[1, 2, 3, 4].map((d) => event('n2', d * DAY, {}, remediated)),
    event('n2', 2 * HOUR, { processingstrategy: 2 }, remediated),
    // n3: XID 79 on GPU 1 in 3 separate bursts (two events in one burst), XID 79 on GPU 2 once
    event('n3', 10 * MIN, {}),
    event('n3', 10 * MIN + 30_000, {}),
    event('n3', 2 * HOUR, {}),
    event('n3', 5 * HOUR, {}),
    event('n3', 6 * HOUR, { entitiesimpacted: [{ entitytype: 'GPU', entityvalue: '2' }] }),
    event('n3', 2 * DAY, {}),
    // n4: XID 31 on two different GPUs; n5: XID 31 on one GPU twice
    event('n4', HOUR, {
      errorcode: ['31'],
      entitiesimpacted: [
        { entitytype: 'PCI', entityvalue: '0000:01' },
        { entitytype: 'GPU', entityvalue: '0' },
      ],
    }),
    event('n4', 2 * HOUR, { errorcode: ['31'], entitiesimpacted: [{ entitytype: 'GPU', entityvalue: '3' }] }),
    event('n5', HOUR, { errorcode: ['31'], entitiesimpacted: [{ entitytype: 'GPU', entityvalue: '0' }] }),
    event('n5', 3 * HOUR, { errorcode: ['31'], entitiesimpacted: [{ entitytype: 'GPU', entityvalue: '0' }] }),
    // n6: NIC driver errors, 3 on mlx5_0 and 2 on mlx5_1 within 6 h, one too old
    ...[1, 2, 3].map((hAgo) =>
      event('n6', hAgo * HOUR, {
        checkname: 'SysLogsNICDriverError',
        errorcode: [],
        message: `mlx5_core 0000:0${hAgo}: cmd TIMEOUT`,
        entitiesimpacted: [{ entitytype: 'NIC', entityvalue: 'mlx5_0' }],
      }),
    ),
    ...[1, 2].map((hAgo) =>
      event('n6', hAgo * HOUR, {
        checkname: 'SysLogsNICDriverError',
        errorcode: [],
        message: 'mlx5_core: reset failed',
        entitiesimpacted: [{ entitytype: 'NIC', entityvalue: 'mlx5_1' }],
      }),
    ),
    event('n6', 7 * HOUR, {
      checkname: 'SysLogsNICDriverError',
      errorcode: [],
      message: 'mlx5_core timeout',
      entitiesimpacted: [{ entitytype: 'NIC', entityvalue: 'mlx5_1' }],
    }),
  ];
  const current = (nodename: string, over: Partial<CurrentEvent> = {}): CurrentEvent => ({
    nodename,
    isfatal: true,
    gpu: '1',
    errorcode: '79',
    now,
    ...over,
  });
  const matched = (rows: unknown[]) =>
    rows.length > 0 && rows.every((r) => (r as { ruleMatched?: boolean }).ruleMatched !== false);

  let h: QueryHarness;
  beforeAll(async () => {
    h = await createQueryHarness('q_upstream_rules');
    await h.load(history);
  });
  afterAll(async () => h?.close());

  async function run(pipeline: Record<string, unknown>[]) {
    const rows = await h.sqlAggregate(pipeline);
    expect(rows, 'same answer as mingo').toEqual(mingoAggregate(pipeline, history));
    return rows;
  }

  it('MultipleRemediations: ≥5 remediations in 7 days with the same isFatal', async () => {
    expect(await run(multipleRemediations(current('n1')))).toEqual([{ remediations: 5 }]);
    expect(matched(await run(multipleRemediations(current('n2'))))).toBe(false);
    expect(matched(await run(multipleRemediations(current('n1', { isfatal: false }))))).toBe(false);
  });

  it('RepeatedXIDErrorOnSameGPU: bursts of the same XID on the same GPU', async () => {
    expect(await run(repeatedXidOnSameGpu(current('n3')))).toEqual([{ ruleMatched: true }]);
    expect(matched(await run(repeatedXidOnSameGpu(current('n3', { gpu: '2' }))))).toBe(false);
    expect(matched(await run(repeatedXidOnSameGpu(current('n3'), 4)))).toBe(false);
  });

  it('RepeatedXID31OnDifferentGPU: the same XID on two GPUs of a node', async () => {
    const n4 = await run(repeatedXid31OnDifferentGpus(current('n4')));
    expect(matched(n4)).toBe(true);
    expect(new Set((n4[0] as { gpus: string[] }).gpus)).toEqual(new Set(['0', '3']));
    expect(matched(await run(repeatedXid31OnDifferentGpus(current('n5'))))).toBe(false);
  });

  it('XIDErrorSoloNoBurst: one occurrence in the last hour', async () => {
    expect(matched(await run(xidSoloNoBurst(current('n3'))))).toBe(false);
    expect(matched(await run(xidSoloNoBurst(current('n4', { errorcode: '31' }))))).toBe(true);
  });

  it('RepeatedNICDriverError: ≥3 matching driver messages per NIC in 6 h', async () => {
    expect(await run(repeatedNicDriverError(current('n6')))).toEqual([{ _id: 'mlx5_0', count: 1 }]);
  });
});
