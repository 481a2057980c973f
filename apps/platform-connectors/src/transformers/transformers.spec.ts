import {
  ProcessingStrategy,
  RecommendedAction,
  assertValidHealthEvent,
  type HealthEvent,
} from '@nvsentinel/health-model';
import { createLogger, createMetricsRegistry } from '@nvsentinel/service-kit';
import { describe, expect, it } from 'vitest';
import { createConnectorMetrics } from '../metrics.js';
import { eventJson } from '../testing/events.js';
import { Deduplicator } from './deduplicator.js';
import { LruCache } from './lru-cache.js';
import { OverrideTransformer } from './override-transformer.js';

const logger = createLogger({ name: 'test', level: 'fatal' });
const metrics = () => createConnectorMetrics(createMetricsRegistry({ defaultMetrics: false }));
const event = (overrides: Record<string, unknown> = {}): HealthEvent => {
  const e = assertValidHealthEvent(eventJson(overrides));
  if (e.processingStrategy === ProcessingStrategy.UNSPECIFIED)
    e.processingStrategy = ProcessingStrategy.EXECUTE_REMEDIATION;
  return e;
};

describe('OverrideTransformer', () => {
  const rules = [
    {
      name: 'xid-109-benign',
      when: "event.agent == 'syslog-health-monitor' && '109' in event.errorCode",
      override: { isFatal: false, recommendedAction: 'NONE' },
    },
    {
      name: 'zone-a-support',
      when: "event.metadata['zone'] == 'a' && event.recommendedAction == 'RESTART_VM'",
      override: { recommendedAction: 'CONTACT_SUPPORT' },
    },
    { name: 'never-reached-for-109', when: "'109' in event.errorCode", override: { isHealthy: true } },
  ];

  it('applies the first matching rule only and counts changed fields', async () => {
    const m = metrics();
    const t = new OverrideTransformer({ enabled: true, rules }, m, logger);
    const xid = event({ agent: 'syslog-health-monitor', errorCode: ['109'] });
    const zoned = event({ metadata: { zone: 'a' } });
    const other = event({ metadata: { zone: 'b' } });
    t.transform([xid, zoned, other]);
    expect([xid.isFatal, xid.isHealthy, xid.recommendedAction]).toEqual([false, false, RecommendedAction.NONE]);
    expect(zoned.recommendedAction).toBe(RecommendedAction.CONTACT_SUPPORT);
    expect(other.recommendedAction).toBe(RecommendedAction.RESTART_VM);
    const applied = (await m.overridesApplied.get()).values
      .map((v) => `${v.labels.rule}/${v.labels.field}=${v.value}`)
      .sort();
    expect(applied).toEqual([
      'xid-109-benign/isFatal=1',
      'xid-109-benign/recommendedAction=1',
      'zone-a-support/recommendedAction=1',
    ]);
  });

  it('counts evaluation errors and moves on to the next rule', async () => {
    const m = metrics();
    const t = new OverrideTransformer(
      {
        enabled: true,
        rules: [{ name: 'bad-key', when: "event.metadata['missing'] == 'x'", override: { isFatal: false } }, rules[2]!],
      },
      m,
      logger,
    );
    const e = event({ errorCode: ['109'] });
    t.transform([e]);
    expect(e.isHealthy).toBe(true);
    expect((await m.overrideEvaluationErrors.get()).values[0]?.value).toBe(1);
  });

  it('refuses broken rules at start-up with the rule named', () => {
    const make = (rule: Record<string, unknown>) => () =>
      new OverrideTransformer({ enabled: true, rules: [rule as never] }, metrics(), logger);
    expect(make({ name: 'r', when: 'event.agent ==', override: { isFatal: true } })).toThrow(
      /rules\[0\] \(r\): CEL expression/,
    );
    expect(make({ name: 'r', when: "event.agent + 'x'", override: { isFatal: true } })).toThrow(/must return bool/);
    expect(make({ name: 'r', when: 'true', override: {} })).toThrow(/at least one of override/);
    expect(make({ name: 'r', when: 'true', override: { recommendedAction: 'REBOOT' } })).toThrow(
      /unknown override.recommendedAction 'REBOOT'/,
    );
    expect(() => new OverrideTransformer({ enabled: true, rules: [] }, metrics(), logger)).toThrow(/no \[\[rules\]\]/);
    expect(new OverrideTransformer({ enabled: false, rules: [] }, metrics(), logger).ruleCount).toBe(0);
  });
});

describe('Deduplicator', () => {
  const xid = (overrides: Record<string, unknown> = {}) =>
    event({
      checkName: 'SysLogsXIDError',
      errorCode: ['79'],
      entitiesImpacted: [{ entityType: 'GPU', entityValue: '1' }],
      ...overrides,
    });

  it('downgrades repeats inside the window to STORE_AND_ANALYSE, lets them through after it', async () => {
    let now = 0;
    const m = metrics();
    const d = new Deduplicator({ suppressionWindowMs: 180_000, now: () => now }, m);
    const first = xid({ message: 'one' });
    d.transform([first]);
    d.onStored([first]);
    expect(first.processingStrategy).toBe(ProcessingStrategy.EXECUTE_REMEDIATION);

    now = 60_000;
    const repeat = xid({ message: 'different text, same fault' });
    d.transform([repeat]);
    d.onStored([repeat]);
    expect(repeat.processingStrategy).toBe(ProcessingStrategy.STORE_AND_ANALYSE);

    const otherGpu = xid({ entitiesImpacted: [{ entityType: 'GPU', entityValue: '2' }] });
    d.transform([otherGpu]);
    expect(otherGpu.processingStrategy).toBe(ProcessingStrategy.EXECUTE_REMEDIATION);

    now = 181_000;
    const late = xid();
    d.transform([late]);
    expect(late.processingStrategy).toBe(ProcessingStrategy.EXECUTE_REMEDIATION);
    expect((await m.dedupStoreAndAnalyse.get()).values[0]?.value).toBe(1);
    d.close();
  });

  it('a recovery clears the fault, so the next fault is acted on again', () => {
    const d = new Deduplicator({ now: () => 0 }, metrics());
    const fault = xid();
    d.transform([fault]);
    d.onStored([fault]);
    const recovery = xid({ isHealthy: true, isFatal: false, errorCode: [], entitiesImpacted: [] });
    d.transform([recovery]);
    d.onStored([recovery]);
    const again = xid();
    d.transform([again]);
    expect(again.processingStrategy).toBe(ProcessingStrategy.EXECUTE_REMEDIATION);
    d.close();
  });

  it('repeats within one batch, unlisted checks, and batches never stored', () => {
    const d = new Deduplicator({ now: () => 0 }, metrics());
    const [a, b] = [xid(), xid()];
    d.transform([a, b]);
    expect([a.processingStrategy, b.processingStrategy]).toEqual([
      ProcessingStrategy.EXECUTE_REMEDIATION,
      ProcessingStrategy.STORE_AND_ANALYSE,
    ]);
    // The batch was refused (never stored) and is resent: not a repeat of itself.
    const resent = xid();
    d.transform([resent]);
    expect(resent.processingStrategy).toBe(ProcessingStrategy.EXECUTE_REMEDIATION);
    const mem = [event({ checkName: 'GpuMemWatch' }), event({ checkName: 'GpuMemWatch' })];
    d.transform(mem);
    expect(mem.map((e) => e.processingStrategy)).toEqual([
      ProcessingStrategy.EXECUTE_REMEDIATION,
      ProcessingStrategy.EXECUTE_REMEDIATION,
    ]);
    d.close();
  });
});

describe('LruCache', () => {
  it('evicts the least recently used entry and expires by TTL', () => {
    let now = 0;
    const cache = new LruCache<string, number>(2, 100, () => now);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1);
    cache.set('c', 3);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
    now = 200;
    expect(cache.get('a')).toBeUndefined();
  });
});
