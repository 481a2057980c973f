/**
 * The 22 shipped rules, table-driven: for every rule, sequences that must fire and sequences that
 * must not (below the threshold, outside the window, another GPU, link or node), built from the
 * rule definitions and upstream's e2e sequences. Every case runs on postgresql and embedded (and
 * MongoDB when NVSENTINEL_TEST_MONGODB_URI is set) through `aggregate()`, with the same expected
 * outcome on each. The last event of a sequence is the trigger.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HealthEvent } from '@nvsentinel/health-model';
import type { NewHealthEvent } from '@nvsentinel/store-client';
import { DEFAULT_RULES_PATH, loadRules, type Rule } from './config/rules.js';
import { checkRulesCompile, evaluateRule } from './rules/evaluate.js';
import { buildRulePipeline } from './rules/pipeline.js';
import { gatedOut } from './rules/constant-gate.js';
import { toDocument } from '@nvsentinel/health-model';
import { PROVIDERS, openTestStore, type TestStore } from './testing/datastores.js';
import { gpcTpc, nicDegradationEvent, nicDriverEvent, registers, xidEvent } from './testing/events.js';

/** Two hours ago: inside the 24 h `$$NOW` lookups of the XID 74 rules, far from the window edges. */
const T = Math.floor(Date.now() / 1000) - 7200;
const HOUR = 3600;
const DAY = 86400;

type Seq = (node: string, other: string) => (HealthEvent | NewHealthEvent)[];
interface Case {
  rule: string;
  name: string;
  fires: boolean;
  events: Seq;
}

const x = (node: string, xid: string, ts: number, more: Partial<Parameters<typeof xidEvent>[1]> = {}) =>
  xidEvent(node, { xid, ts, ...more });
const x74 = (node: string, ts: number, regs: Parameters<typeof registers>[0], nvlink = '14', gpu = 'GPU-aaaa') =>
  xidEvent(node, { xid: '74', ts, gpu, extra: registers(regs, nvlink) });
const remediated = (node: string, ts: number, fatal = true): NewHealthEvent => ({
  healthEvent: x(node, '79', ts, { fatal }),
  healthEventStatus: { faultRemediated: true },
});

const CASES: Case[] = [
  // 1 MultipleRemediations: ≥ 5 remediated events on the node in 7 days, same isFatal.
  {
    rule: 'MultipleRemediations',
    name: 'five remediations in 7 days',
    fires: true,
    events: (n) => [0, 1, 2, 3, 4].map((d) => remediated(n, T - d * DAY)).concat([{ healthEvent: x(n, '31', T + 10) }]),
  },
  {
    rule: 'MultipleRemediations',
    name: 'four remediations (below threshold)',
    fires: false,
    events: (n) => [0, 1, 2, 3].map((d) => remediated(n, T - d * DAY)).concat([{ healthEvent: x(n, '31', T + 10) }]),
  },
  {
    rule: 'MultipleRemediations',
    name: 'the fifth is 8 days old (outside the window)',
    fires: false,
    events: (n) => [0, 1, 2, 3, 8].map((d) => remediated(n, T - d * DAY)).concat([{ healthEvent: x(n, '31', T + 10) }]),
  },
  {
    rule: 'MultipleRemediations',
    name: 'remediations were non-fatal, trigger is fatal',
    fires: false,
    events: (n) =>
      [0, 1, 2, 3, 4].map((d) => remediated(n, T - d * DAY, false)).concat([{ healthEvent: x(n, '31', T + 10) }]),
  },

  // 2 RepeatedXIDErrorOnSameGPU: the same XID in ≥ 5 bursts (gap 180 s) on one GPU in 24 h.
  {
    rule: 'RepeatedXIDErrorOnSameGPU',
    name: 'XID 48 in five bursts',
    fires: true,
    events: (n) => [0, 1, 2, 3, 4].map((i) => x(n, '48', T + i * 1000)),
  },
  {
    rule: 'RepeatedXIDErrorOnSameGPU',
    name: 'four bursts (below threshold)',
    fires: false,
    events: (n) => [0, 1, 2, 3].map((i) => x(n, '48', T + i * 1000)),
  },
  {
    rule: 'RepeatedXIDErrorOnSameGPU',
    name: 'a repeat inside the newest burst does not fire',
    fires: false,
    events: (n) => [0, 1, 2, 3, 4].map((i) => x(n, '48', T + i * 1000)).concat([x(n, '48', T + 4010)]),
  },
  {
    rule: 'RepeatedXIDErrorOnSameGPU',
    name: 'the earlier bursts were on another GPU',
    fires: false,
    events: (n) =>
      [0, 1, 2, 3].map((i) => x(n, '48', T + i * 1000, { gpu: 'GPU-bbbb' })).concat([x(n, '48', T + 4000)]),
  },
  {
    rule: 'RepeatedXIDErrorOnSameGPU',
    name: 'the first burst is older than 24 h',
    fires: false,
    events: (n) => [x(n, '48', T - DAY - 100), ...[1, 2, 3, 4].map((i) => x(n, '48', T + i * 1000))],
  },
  {
    rule: 'RepeatedXIDErrorOnSameGPU',
    name: 'a sticky XID 79 within 3 h merges the bursts',
    fires: false,
    events: (n) => [
      x(n, '48', T),
      x(n, '79', T + 900),
      x(n, '79', T + 1800),
      x(n, '48', T + 2700),
      x(n, '48', T + 3600),
      x(n, '79', T + 4000),
      x(n, '48', T + 4100),
    ],
  },

  // 3 RepeatedXID31OnSameGPU: ≥ 2 bursts with XID 31 on one GPU.
  {
    rule: 'RepeatedXID31OnSameGPU',
    name: 'XID 31 in two bursts',
    fires: true,
    events: (n) => [x(n, '31', T), x(n, '31', T + 1000)],
  },
  {
    rule: 'RepeatedXID31OnSameGPU',
    name: 'upstream: 119+31, 31 on another GPU, then 13+31',
    fires: true,
    events: (n) => [
      x(n, '119', T),
      x(n, '31', T + 1),
      x(n, '31', T + 200, { gpu: 'GPU-bbbb' }),
      x(n, '13', T + 400),
      x(n, '31', T + 401),
    ],
  },
  {
    rule: 'RepeatedXID31OnSameGPU',
    name: 'both in one burst',
    fires: false,
    events: (n) => [x(n, '31', T), x(n, '31', T + 60)],
  },
  {
    rule: 'RepeatedXID31OnSameGPU',
    name: 'the first was on another GPU',
    fires: false,
    events: (n) => [x(n, '31', T, { gpu: 'GPU-bbbb' }), x(n, '31', T + 1000)],
  },

  // 4 RepeatedXID31OnDifferentGPU: XID 31 on ≥ 2 GPUs of the node in 24 h.
  {
    rule: 'RepeatedXID31OnDifferentGPU',
    name: 'XID 31 on two GPUs',
    fires: true,
    events: (n) => [x(n, '31', T), x(n, '31', T + 22, { gpu: 'GPU-bbbb' })],
  },
  {
    rule: 'RepeatedXID31OnDifferentGPU',
    name: 'both on one GPU',
    fires: false,
    events: (n) => [x(n, '31', T), x(n, '31', T + 22)],
  },
  {
    rule: 'RepeatedXID31OnDifferentGPU',
    name: 'the other GPU was 25 h ago',
    fires: false,
    events: (n) => [x(n, '31', T - DAY - HOUR), x(n, '31', T, { gpu: 'GPU-bbbb' })],
  },

  // 5 RepeatedXID13OnSameGPCAndTPC: ≥ 2 bursts (gap 15 s) with XID 13 on the trigger's GPC and TPC.
  {
    rule: 'RepeatedXID13OnSameGPCAndTPC',
    name: 'upstream: TPC1 ×2, TPC0, TPC1 again',
    fires: true,
    events: (n) => [
      x(n, '13', T, { extra: gpcTpc('0', '1') }),
      x(n, '13', T + 1, { extra: gpcTpc('0', '1') }),
      x(n, '13', T + 18, { extra: gpcTpc('0', '0') }),
      x(n, '13', T + 35, { extra: gpcTpc('0', '1') }),
    ],
  },
  {
    rule: 'RepeatedXID13OnSameGPCAndTPC',
    name: 'upstream: TPC1 ×2 then TPC0',
    fires: false,
    events: (n) => [
      x(n, '13', T, { extra: gpcTpc('0', '1') }),
      x(n, '13', T + 1, { extra: gpcTpc('0', '1') }),
      x(n, '13', T + 18, { extra: gpcTpc('0', '0') }),
    ],
  },
  {
    rule: 'RepeatedXID13OnSameGPCAndTPC',
    name: 'within one burst',
    fires: false,
    events: (n) => [x(n, '13', T, { extra: gpcTpc('0', '1') }), x(n, '13', T + 10, { extra: gpcTpc('0', '1') })],
  },

  // 6 RepeatedXID13OnDifferentGPCAndTPC: ≥ 2 distinct GPC/TPC pairs of XID 13 on one GPU.
  {
    rule: 'RepeatedXID13OnDifferentGPCAndTPC',
    name: 'two pairs',
    fires: true,
    events: (n) => [x(n, '13', T, { extra: gpcTpc('0', '1') }), x(n, '13', T + 17, { extra: gpcTpc('0', '0') })],
  },
  {
    rule: 'RepeatedXID13OnDifferentGPCAndTPC',
    name: 'one pair twice',
    fires: false,
    events: (n) => [x(n, '13', T, { extra: gpcTpc('0', '1') }), x(n, '13', T + 17, { extra: gpcTpc('0', '1') })],
  },
  {
    rule: 'RepeatedXID13OnDifferentGPCAndTPC',
    name: 'the other pair was on another GPU',
    fires: false,
    events: (n) => [
      x(n, '13', T, { extra: gpcTpc('0', '1'), gpu: 'GPU-bbbb' }),
      x(n, '13', T + 17, { extra: gpcTpc('0', '0') }),
    ],
  },

  // 7 XIDErrorSoloNoBurst: the trigger's XID (13/31) once in the newest burst.
  {
    rule: 'XIDErrorSoloNoBurst',
    name: 'upstream: two XID 13 on GPU 1, then one on GPU 2',
    fires: true,
    events: (n) => [x(n, '13', T), x(n, '13', T + 1), x(n, '13', T + 5, { gpu: 'GPU-bbbb' })],
  },
  {
    rule: 'XIDErrorSoloNoBurst',
    name: 'two XID 13 in one burst',
    fires: false,
    events: (n) => [x(n, '13', T), x(n, '13', T + 60)],
  },
  { rule: 'XIDErrorSoloNoBurst', name: 'XID 48 is not gated in', fires: false, events: (n) => [x(n, '48', T)] },

  // 8 XID74Reg0SoloNVLinkError: REG0 bit 1/20 only, no other active error on the GPU.
  { rule: 'XID74Reg0SoloNVLinkError', name: 'REG0 bit 20 alone', fires: true, events: (n) => [x74(n, T, { 0: [20] })] },
  {
    rule: 'XID74Reg0SoloNVLinkError',
    name: 'upstream: active XID 13 blocks it',
    fires: false,
    events: (n) => [x(n, '13', T), x74(n, T + 10, { 0: [20] })],
  },
  {
    rule: 'XID74Reg0SoloNVLinkError',
    name: 'upstream: a healthy XID 13 clears it',
    fires: true,
    events: (n) => [x(n, '13', T), x(n, '13', T + 5, { healthy: true }), x74(n, T + 10, { 0: [20] })],
  },
  {
    rule: 'XID74Reg0SoloNVLinkError',
    name: 'another register set too',
    fires: false,
    events: (n) => [x74(n, T, { 0: [20], 1: [3] })],
  },

  // 9 XID74Reg0ECCParityError: REG0 bit 4/5 twice on the same GPU and NVLink.
  {
    rule: 'XID74Reg0ECCParityError',
    name: 'upstream: link 14, 15, 14',
    fires: true,
    events: (n) => [x74(n, T, { 0: [4] }, '14'), x74(n, T + 10, { 0: [4] }, '15'), x74(n, T + 20, { 0: [4] }, '14')],
  },
  {
    rule: 'XID74Reg0ECCParityError',
    name: 'upstream: link 14 then 15',
    fires: false,
    events: (n) => [x74(n, T, { 0: [4] }, '14'), x74(n, T + 10, { 0: [4] }, '15')],
  },

  // 10 RepeatedXID74Reg0HardwareIssue: a REG0 hardware bit twice on the same GPU.
  {
    rule: 'RepeatedXID74Reg0HardwareIssue',
    name: 'bit 8 then bit 28',
    fires: true,
    events: (n) => [x74(n, T, { 0: [8] }), x74(n, T + 10, { 0: [28] }, '3')],
  },
  { rule: 'RepeatedXID74Reg0HardwareIssue', name: 'once', fires: false, events: (n) => [x74(n, T, { 0: [8] })] },
  {
    rule: 'RepeatedXID74Reg0HardwareIssue',
    name: 'the first had REG3 set too',
    fires: false,
    events: (n) => [x74(n, T, { 0: [8], 3: [1] }), x74(n, T + 10, { 0: [8] })],
  },

  // 11 XID74Reg0SignalIntegrityError: REG0 bit 21/22 only, no other active error.
  {
    rule: 'XID74Reg0SignalIntegrityError',
    name: 'REG0 bit 22 alone',
    fires: true,
    events: (n) => [x74(n, T, { 0: [22] })],
  },
  {
    rule: 'XID74Reg0SignalIntegrityError',
    name: 'an active XID 48 on the GPU',
    fires: false,
    events: (n) => [x(n, '48', T), x74(n, T + 10, { 0: [22] })],
  },
  {
    rule: 'XID74Reg0SignalIntegrityError',
    name: 'bit 23 is not listed',
    fires: false,
    events: (n) => [x74(n, T, { 0: [23] })],
  },

  // 12 XID74Reg0Bit27Or29Set: twice on the same GPU.
  {
    rule: 'XID74Reg0Bit27Or29Set',
    name: 'bit 27 then 29',
    fires: true,
    events: (n) => [x74(n, T, { 0: [27] }), x74(n, T + 10, { 0: [29] })],
  },
  {
    rule: 'XID74Reg0Bit27Or29Set',
    name: 'the first on another GPU',
    fires: false,
    events: (n) => [x74(n, T, { 0: [27] }, '14', 'GPU-bbbb'), x74(n, T + 10, { 0: [29] })],
  },

  // 13 RepeatedXID74Reg2HardwareIssue: REG2 bit 0/1/2/6 twice on the same GPU and NVLink.
  {
    rule: 'RepeatedXID74Reg2HardwareIssue',
    name: 'bit 0 then 6 on link 3',
    fires: true,
    events: (n) => [x74(n, T, { 2: [0] }, '3'), x74(n, T + 10, { 2: [6] }, '3')],
  },
  {
    rule: 'RepeatedXID74Reg2HardwareIssue',
    name: 'different links',
    fires: false,
    events: (n) => [x74(n, T, { 2: [0] }, '3'), x74(n, T + 10, { 2: [6] }, '4')],
  },

  // 14 XID74Reg2Bit13Set: the trigger alone (REG2 bit 13, others zero).
  { rule: 'XID74Reg2Bit13Set', name: 'REG2 bit 13', fires: true, events: (n) => [x74(n, T, { 2: [13] })] },
  {
    rule: 'XID74Reg2Bit13Set',
    name: 'REG2 bit 12',
    fires: false,
    events: (n) => [x74(n, T, { 2: [13] }), x74(n, T + 10, { 2: [12] })],
  },

  // 15 RepeatedXID74Reg2Bit16Or19Set: twice on the same GPU.
  {
    rule: 'RepeatedXID74Reg2Bit16Or19Set',
    name: 'upstream: GPU 1, GPU 2, GPU 1',
    fires: true,
    events: (n) => [x74(n, T, { 2: [16] }), x74(n, T + 10, { 2: [16] }, '14', 'GPU-bbbb'), x74(n, T + 20, { 2: [19] })],
  },
  {
    rule: 'RepeatedXID74Reg2Bit16Or19Set',
    name: 'upstream: GPU 1 then GPU 2',
    fires: false,
    events: (n) => [x74(n, T, { 2: [16] }), x74(n, T + 10, { 2: [16] }, '14', 'GPU-bbbb')],
  },

  // 16 RepeatedXID74Reg2Bit17Or18Set.
  {
    rule: 'RepeatedXID74Reg2Bit17Or18Set',
    name: 'bit 17 then 18',
    fires: true,
    events: (n) => [x74(n, T, { 2: [17] }), x74(n, T + 10, { 2: [18] })],
  },
  {
    rule: 'RepeatedXID74Reg2Bit17Or18Set',
    name: 'the first 25 h ago',
    fires: false,
    events: (n) => [x74(n, T - DAY - HOUR, { 2: [17] }), x74(n, T, { 2: [18] })],
  },

  // 17 XID74Reg3UnexpectedError: REG3 bit 16/17 only, no other active error.
  { rule: 'XID74Reg3UnexpectedError', name: 'REG3 bit 17 alone', fires: true, events: (n) => [x74(n, T, { 3: [17] })] },
  {
    rule: 'XID74Reg3UnexpectedError',
    name: 'an active XID 48',
    fires: false,
    events: (n) => [x(n, '48', T), x74(n, T + 10, { 3: [17] })],
  },

  // 18 XID74Reg3Bit18Set.
  { rule: 'XID74Reg3Bit18Set', name: 'REG3 bit 18 alone', fires: true, events: (n) => [x74(n, T, { 3: [18] })] },
  { rule: 'XID74Reg3Bit18Set', name: 'REG3 bit 19', fires: false, events: (n) => [x74(n, T, { 3: [19] })] },

  // 19 XID74Reg4HardwareIssue: REG4 hardware bit twice on the same GPU and NVLink.
  {
    rule: 'XID74Reg4HardwareIssue',
    name: 'bit 18 then 28 on link 2',
    fires: true,
    events: (n) => [x74(n, T, { 4: [18] }, '2'), x74(n, T + 10, { 4: [28] }, '2')],
  },
  {
    rule: 'XID74Reg4HardwareIssue',
    name: 'bit 20 is an ECC bit',
    fires: false,
    events: (n) => [x74(n, T, { 4: [20] }, '2'), x74(n, T + 10, { 4: [28] }, '2')],
  },

  // 20 XID74Reg4ECCError (action NONE).
  {
    rule: 'XID74Reg4ECCError',
    name: 'upstream: bit 26 on link 14, 15, 14',
    fires: true,
    events: (n) => [x74(n, T, { 4: [26] }, '14'), x74(n, T + 10, { 4: [26] }, '15'), x74(n, T + 20, { 4: [26] }, '14')],
  },
  {
    rule: 'XID74Reg4ECCError',
    name: 'upstream: link 14 then 15',
    fires: false,
    events: (n) => [x74(n, T, { 4: [26] }, '14'), x74(n, T + 10, { 4: [26] }, '15')],
  },

  // 21 RepeatedNICDriverError: the same NIC driver error ≥ 3 times in an hour.
  {
    rule: 'RepeatedNICDriverError',
    name: 'upstream: netdev_watchdog ×3',
    fires: true,
    events: (n) => [0, 1, 2].map((i) => nicDriverEvent(n, 'netdev_watchdog', T + i * 60)),
  },
  {
    rule: 'RepeatedNICDriverError',
    name: 'upstream: access_reg_failed ×3 is not listed',
    fires: false,
    events: (n) => [0, 1, 2].map((i) => nicDriverEvent(n, 'access_reg_failed', T + i * 60)),
  },
  {
    rule: 'RepeatedNICDriverError',
    name: 'the first was 2 h earlier',
    fires: false,
    events: (n) => [
      nicDriverEvent(n, 'netdev_watchdog', T - 2 * HOUR),
      ...[1, 2].map((i) => nicDriverEvent(n, 'netdev_watchdog', T + i * 60)),
    ],
  },
  {
    rule: 'RepeatedNICDriverError',
    name: 'different error codes',
    fires: false,
    events: (n) => [
      nicDriverEvent(n, 'module_unplugged', T),
      ...[1, 2].map((i) => nicDriverEvent(n, 'netdev_watchdog', T + i * 60)),
    ],
  },

  // 22 RepeatedNICDegradation: the same NIC port ≥ 3 times in an hour.
  {
    rule: 'RepeatedNICDegradation',
    name: 'upstream: port 1 ×2, port 2, port 1',
    fires: true,
    events: (n) => [
      nicDegradationEvent(n, '1', T),
      nicDegradationEvent(n, '1', T + 10),
      nicDegradationEvent(n, '2', T + 20),
      nicDegradationEvent(n, '1', T + 30),
    ],
  },
  {
    rule: 'RepeatedNICDegradation',
    name: 'upstream: port 1 ×2, then port 2',
    fires: false,
    events: (n) => [
      nicDegradationEvent(n, '1', T),
      nicDegradationEvent(n, '1', T + 10),
      nicDegradationEvent(n, '2', T + 20),
    ],
  },
];

/** Rules that decide from the trigger alone: their "history on another node" variant still fires. */
const TRIGGER_ONLY = new Set([
  'XIDErrorSoloNoBurst',
  'XID74Reg0SoloNVLinkError',
  'XID74Reg0SignalIntegrityError',
  'XID74Reg2Bit13Set',
  'XID74Reg3UnexpectedError',
  'XID74Reg3Bit18Set',
]);

/** Every firing sequence again with all but the trigger on another node: history must not cross nodes. */
const OTHER_NODE: Case[] = CASES.filter((c) => c.fires).map((c) => ({
  rule: c.rule,
  name: `${c.name}, history on another node`,
  fires: TRIGGER_ONLY.has(c.rule),
  events: (n, other) => {
    const seq = c.events(n, other);
    return seq.map((e, i) => (i === seq.length - 1 ? e : moveTo(e, other)));
  },
}));

function moveTo(e: HealthEvent | NewHealthEvent, node: string): HealthEvent | NewHealthEvent {
  return 'healthEvent' in e ? { ...e, healthEvent: { ...e.healthEvent, nodeName: node } } : { ...e, nodeName: node };
}

const ALL = [...CASES, ...OTHER_NODE];

describe('the shipped rules', () => {
  it('has all 22 chart rules, each with a firing and a non-firing case', async () => {
    const rules = await loadRules(DEFAULT_RULES_PATH);
    expect(rules).toHaveLength(22);
    for (const rule of rules) {
      expect(
        CASES.some((c) => c.rule === rule.name && c.fires),
        `${rule.name} fires somewhere`,
      ).toBe(true);
      expect(
        CASES.some((c) => c.rule === rule.name && !c.fires),
        `${rule.name} stays quiet somewhere`,
      ).toBe(true);
    }
  });
});

describe('trigger gates', () => {
  const doc = (e: HealthEvent) =>
    toDocument({
      id: 'e1',
      createdAt: new Date(),
      healthEvent: e,
      healthEventStatus: {
        nodeQuarantined: '',
        userPodsEvictionStatus: { status: '', message: '' },
        faultRemediated: null,
        spanIds: {},
      },
    }) as unknown as Record<string, unknown>;
  const open = async (e: HealthEvent) =>
    (await loadRules(DEFAULT_RULES_PATH)).filter((r) => !gatedOut(buildRulePipeline(r, doc(e)))).map((r) => r.name);

  it('an XID 48 leaves only the rules that can count it', async () => {
    expect(await open(x('n', '48', T))).toEqual(['MultipleRemediations', 'RepeatedXIDErrorOnSameGPU']);
  });
  it('an XID 74 with REG2 bit 13 opens the XID 74 rules, including the trigger-only one', async () => {
    const names = await open(x74('n', T, { 2: [13] }));
    expect(names).toContain('XID74Reg2Bit13Set');
    expect(names).not.toContain('RepeatedXID31OnSameGPU');
  });
  it('a NIC driver error with a listed code opens only RepeatedNICDriverError (and MultipleRemediations)', async () => {
    expect(await open(nicDriverEvent('n', 'netdev_watchdog', T))).toEqual([
      'MultipleRemediations',
      'RepeatedNICDriverError',
    ]);
  });
});

describe.each(PROVIDERS)('rules on %s', (provider) => {
  let store: TestStore;
  let rules: Rule[];
  let counter = 0;

  beforeAll(async () => {
    store = await openTestStore(provider, 'hea_rules');
    rules = await loadRules(DEFAULT_RULES_PATH);
  }, 120_000);
  afterAll(async () => store?.close());

  it('compiles every rule at start', async () => {
    await expect(checkRulesCompile(store.datastore, rules)).resolves.toBeUndefined();
  });

  it.each(ALL.map((c) => [`${c.rule}: ${c.name}`, c] as const))('%s', async (_title, c) => {
    const node = `node-${provider}-${counter++}`;
    const events = c.events(node, `${node}-other`).map((e) => ('healthEvent' in e ? e : { healthEvent: e }));
    const hs = store.datastore.healthEventStore();
    const ids: string[] = [];
    for (const e of events) ids.push(...(await hs.insertHealthEvents(e)));
    const [trigger] = await hs.aggregate([{ $match: { _id: ids[ids.length - 1] } }]);
    const rule = rules.find((r) => r.name === c.rule);
    expect(rule, `rule ${c.rule} is shipped`).toBeDefined();
    const outcome = await evaluateRule(hs, rule!, trigger);
    expect(outcome.matched, JSON.stringify(outcome.documents)).toBe(c.fires);
    // The trigger-gate shortcut must give what the datastore gives.
    const queried = await evaluateRule(hs, rule!, trigger, { skipGated: false });
    expect(queried.documents).toEqual(outcome.documents);
  });
});
