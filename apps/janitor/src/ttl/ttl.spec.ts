import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConditionType, REBOOT_NODES, type RebootNode } from '../controllers/api.js';
import { Harness, eventually } from '../testing/harness.js';
import { EXPIRY_ANNOTATION, PRESERVE_ANNOTATION, TTL_ANNOTATION, ttlDecision } from './ttl-collector.js';

const HOUR = 3_600_000;

describe('ttlDecision', () => {
  const done = (annotations: Record<string, string> = {}) => ({
    metadata: { name: 'x', annotations },
    status: { completionTime: '2026-12-01T10:00:00Z' },
  });
  const now = new Date('2026-12-01T12:00:00Z');

  it('running CRs are kept; a finished one gets completionTime + ttl (or the default) as its expiry', () => {
    expect(ttlDecision({ metadata: { name: 'x' }, status: {} }, HOUR, now)).toEqual({ action: 'keep', why: 'running' });
    expect(ttlDecision(done({ [TTL_ANNOTATION]: '30m' }), HOUR, now)).toEqual({
      action: 'annotate',
      expiry: '2026-12-01T10:30:00.000Z',
    });
    expect(ttlDecision(done(), 336 * HOUR, now)).toEqual({ action: 'annotate', expiry: '2026-12-15T10:00:00.000Z' });
  });

  it('deletes once the expiry passed; preserve and unparsable values keep the CR', () => {
    expect(ttlDecision(done({ [EXPIRY_ANNOTATION]: '2026-12-01T11:59:59Z' }), HOUR, now)).toEqual({ action: 'delete' });
    expect(ttlDecision(done({ [EXPIRY_ANNOTATION]: '2026-12-01T12:00:01Z' }), HOUR, now)).toEqual({
      action: 'keep',
      why: 'not-due',
    });
    expect(
      ttlDecision(done({ [EXPIRY_ANNOTATION]: '2026-12-01T00:00:00Z', [PRESERVE_ANNOTATION]: 'true' }), HOUR, now),
    ).toEqual({ action: 'keep', why: 'preserved' });
    expect(ttlDecision(done({ [TTL_ANNOTATION]: 'two weeks' }), HOUR, now)).toEqual({
      action: 'keep',
      why: 'invalid-ttl',
    });
  });
});

describe('TTL collection against the simulator', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await Harness.start({ rebootDownSeconds: 1 });
  });
  afterEach(() => h.close());

  it('deletes a finished CR when its ttl passes, keeps preserved ones and those with a long default TTL', async () => {
    const janitor = await h.startJanitor({
      options: { ttl: { enabled: true, intervalMs: 100, defaultTtlMs: 336 * HOUR } },
    });
    await h.createCr(
      REBOOT_NODES,
      'RebootNode',
      'short',
      { nodeName: 'gpu-node-0', force: false },
      { annotations: { [TTL_ANNOTATION]: '1s' } },
    );
    await h.createCr(
      REBOOT_NODES,
      'RebootNode',
      'kept',
      { nodeName: 'gpu-node-1', force: false },
      { annotations: { [TTL_ANNOTATION]: '1s', [PRESERVE_ANNOTATION]: 'true' } },
    );
    await h.createCr(REBOOT_NODES, 'RebootNode', 'default', { nodeName: 'gpu-node-2', force: false });
    for (const name of ['short', 'kept', 'default'])
      await h.waitForCondition<RebootNode>(REBOOT_NODES, name, ConditionType.NodeReady, 'True');

    await eventually(async () => (await h.get(REBOOT_NODES, 'short')) === undefined, 'short-lived CR deleted');
    const defaulted = await eventually(
      async () => (await h.get<RebootNode>(REBOOT_NODES, 'default'))?.metadata?.annotations?.[EXPIRY_ANNOTATION],
      'expiry written',
    );
    const completion = Date.parse((await h.get<RebootNode>(REBOOT_NODES, 'default'))!.status!.completionTime!);
    expect(Date.parse(defaulted) - completion).toBe(336 * HOUR);
    // Several more sweeps: the preserved and the default-TTL CRs stay.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await h.get(REBOOT_NODES, 'kept')).toBeDefined();
    expect(await h.get(REBOOT_NODES, 'default')).toBeDefined();
    expect(await janitor.registry.getSingleMetricAsString('janitor_ttl_deletions_total')).toMatch(
      /janitor_ttl_deletions_total\{kind="RebootNode"\} 1/,
    );
  });
});
