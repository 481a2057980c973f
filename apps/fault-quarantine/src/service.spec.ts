/**
 * fault-quarantine end to end: real PostgreSQL (throw-away database), the cluster simulator over
 * real HTTP, the service running in-process with the shipped default rule sets.
 */
import { QuarantineStatus } from '@nvsentinel/health-model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Annotations, QUARANTINED_STATE, STATE_LABEL, cordonLabels } from './quarantine/node-keys.js';
import { parseTrackedFaults } from './quarantine/tracked-faults.js';
import { fatalGpuEvent, healthyEventFor } from './testing/events.js';
import { Harness } from './testing/harness.js';
import { waitFor } from './testing/wait-for.js';
import { remediationDuration } from './remediation/remediation-duration.js';
import { createTestDatabase, type TestDatabase } from '@nvsentinel/store-client/testing';

const labels = cordonLabels('k8saas.nvidia.com/');

describe('fault-quarantine on PostgreSQL and the cluster simulator', () => {
  let database: TestDatabase;
  let h: Harness;

  beforeAll(async () => {
    database = await createTestDatabase('fq_service', { changeStreamPollIntervalMs: 200 });
    // Breaker off here; it has its own suite.
    h = await Harness.start({
      datastore: database.config,
      sim: { nodes: 10 },
      options: { circuitBreakerEnabled: false, workers: 4 },
    });
  });

  afterAll(async () => {
    await h?.close();
    await database?.drop();
  });

  it('cordons, labels and annotates a node on a fatal event and writes Quarantined back', async () => {
    const [id] = await h.insert(fatalGpuEvent('gpu-node-1'));
    expect(await h.waitForStatus(id!)).toBe(QuarantineStatus.Quarantined);
    const node = await h.node('gpu-node-1');
    expect(node.spec?.unschedulable).toBe(true);
    expect(node.metadata?.labels?.[labels.cordonBy]).toBe('NVSentinel');
    expect(node.metadata?.labels?.[labels.cordonReason]).toBe('GPU-fatal-error-ruleset');
    expect(node.metadata?.labels?.[labels.cordonTimestamp]).toMatch(/^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ$/);
    expect(node.metadata?.labels?.[STATE_LABEL]).toBe(QUARANTINED_STATE);
    expect(node.metadata?.annotations?.[Annotations.isCordoned]).toBe('True');
    expect(node.metadata?.annotations?.[Annotations.cordonPreExisting]).toBeUndefined();
    const tracked = parseTrackedFaults(node.metadata?.annotations?.[Annotations.healthEvents]);
    expect(tracked.map((f) => [f.checkName, f.entitiesImpacted[0]?.entityValue, f.errorCode[0], f.id])).toEqual([
      ['GpuXidError', '0', '79', id],
    ]);
    const record = await h.record(id!);
    expect(record.healthEventStatus.quarantineFinishTimestamp).toBeDefined();
  });

  it('tracks a second fault on the same node as AlreadyQuarantined, then clears entry-wise and uncordons at the end', async () => {
    const first = fatalGpuEvent('gpu-node-2');
    const second = fatalGpuEvent('gpu-node-2', {
      entitiesImpacted: [{ entityType: 'GPU', entityValue: '3' }],
      errorCode: ['48'],
    });
    const [firstId] = await h.insert(first);
    await h.waitForStatus(firstId!, QuarantineStatus.Quarantined);
    const [secondId] = await h.insert(second);
    expect(await h.waitForStatus(secondId!)).toBe(QuarantineStatus.AlreadyQuarantined);
    let node = await h.node('gpu-node-2');
    expect(parseTrackedFaults(node.metadata?.annotations?.[Annotations.healthEvents])).toHaveLength(2);

    // GPU 0 recovers: partial recovery, still cordoned.
    const [healthyFirst] = await h.insert(healthyEventFor(first));
    expect(await h.waitForStatus(healthyFirst!)).toBe(QuarantineStatus.AlreadyQuarantined);
    node = await h.node('gpu-node-2');
    expect(node.spec?.unschedulable).toBe(true);
    expect(
      parseTrackedFaults(node.metadata?.annotations?.[Annotations.healthEvents]).map(
        (f) => f.entitiesImpacted[0]?.entityValue,
      ),
    ).toEqual(['3']);

    // GPU 3 recovers: the last fault clears, the node is released.
    const [healthySecond] = await h.insert(healthyEventFor(second));
    expect(await h.waitForStatus(healthySecond!)).toBe(QuarantineStatus.UnQuarantined);
    node = await h.node('gpu-node-2');
    expect(node.spec?.unschedulable).toBe(false);
    expect(node.metadata?.annotations?.[Annotations.healthEvents]).toBeUndefined();
    expect(node.metadata?.annotations?.[Annotations.isCordoned]).toBeUndefined();
    expect(node.metadata?.labels?.[STATE_LABEL]).toBeUndefined();
    expect(node.metadata?.labels?.[labels.cordonBy]).toBeUndefined();
    expect(node.metadata?.labels?.[labels.uncordonBy]).toBe('NVSentinel');
  });

  it('observes node_remediation_duration_seconds{action} when it releases a node, and the same without the drain time', async () => {
    const fault = fatalGpuEvent('gpu-node-0');
    const [id] = await h.insert(fault);
    await h.waitForStatus(id!, QuarantineStatus.Quarantined);
    const quarantined = await h.record(id!);
    const qf = quarantined.healthEventStatus.quarantineFinishTimestamp!;
    // node-drainer's part: the drain finished 1 ms after the quarantine.
    const nanos = qf.nanos + 1_000_000;
    const drainFinishTimestamp = { seconds: qf.seconds + Math.floor(nanos / 1e9), nanos: nanos % 1e9 };
    await h.dataStore
      .healthEventStore()
      .updateHealthEventStatus(id!, { ...quarantined.healthEventStatus, drainFinishTimestamp });

    // Exact numbers through the function, with a release 10 s after the quarantine.
    const releasedAt = new Date((qf.seconds + 10) * 1000 + qf.nanos / 1e6);
    const computed = await remediationDuration(h.dataStore.healthEventStore(), 'gpu-node-0', releasedAt);
    expect(computed?.action).toBe('RESTART_VM');
    expect(computed?.totalSeconds).toBeCloseTo(10, 3);
    expect(computed?.excludingDrainSeconds).toBeCloseTo(9.999, 3);

    // And through the service: released by the healthy event, observed once under the event's action
    // (earlier tests released nodes too: compare with the values before).
    const sample = (text: string, name: string) =>
      Number(
        text
          .split('\n')
          .find((l) => l.startsWith(`${name}{action="RESTART_VM"}`))
          ?.split(' ')
          .at(-1) ?? 0,
      );
    const TOTAL = 'fault_quarantine_node_remediation_duration_seconds';
    const EXCLUDING = 'fault_quarantine_node_remediation_duration_excluding_drain_seconds';
    const before = await h.fq!.registry.metrics();
    const [healthy] = await h.insert(healthyEventFor(fault));
    expect(await h.waitForStatus(healthy!)).toBe(QuarantineStatus.UnQuarantined);
    const after = await waitFor('the remediation duration observed', async () => {
      const metrics = await h.fq!.registry.metrics();
      return sample(metrics, `${TOTAL}_count`) > sample(before, `${TOTAL}_count`) ? metrics : undefined;
    });
    const delta = (name: string) => sample(after, name) - sample(before, name);
    expect(delta(`${TOTAL}_count`)).toBe(1);
    expect(delta(`${EXCLUDING}_count`)).toBe(1);
    expect(delta(`${TOTAL}_sum`)).toBeGreaterThan(0.001);
    expect(delta(`${EXCLUDING}_sum`)).toBeCloseTo(delta(`${TOTAL}_sum`) - 0.001, 5);
  });

  it('never uncordons a node that someone else cordoned first', async () => {
    await h.nodeOps.cordon('gpu-node-3');
    const fault = fatalGpuEvent('gpu-node-3');
    const [id] = await h.insert(fault);
    expect(await h.waitForStatus(id!)).toBe(QuarantineStatus.Quarantined);
    let node = await h.node('gpu-node-3');
    expect(node.metadata?.annotations?.[Annotations.cordonPreExisting]).toBe('True');
    expect(node.metadata?.labels?.[labels.cordonBy]).toBeUndefined();
    const [healthy] = await h.insert(healthyEventFor(fault));
    expect(await h.waitForStatus(healthy!)).toBe(QuarantineStatus.UnQuarantined);
    node = await h.node('gpu-node-3');
    expect(node.spec?.unschedulable).toBe(true);
    expect(node.metadata?.annotations?.[Annotations.healthEvents]).toBeUndefined();
  });

  it('ignores healthy events for untracked faults, non-matching events and opted-out nodes', async () => {
    await h.nodeOps.setLabels('gpu-node-4', { 'k8saas.nvidia.com/ManagedByNVSentinel': 'false' });
    const ids = await h.insert(
      healthyEventFor(fatalGpuEvent('gpu-node-5')),
      fatalGpuEvent('gpu-node-5', { isFatal: false }),
      fatalGpuEvent('gpu-node-5', { agent: 'some-other-monitor' }),
      fatalGpuEvent('gpu-node-4'),
    );
    await h.settle();
    // A marker event after them proves the stream went past all four.
    const [marker] = await h.insert(fatalGpuEvent('gpu-node-6'));
    await h.waitForStatus(marker!, QuarantineStatus.Quarantined);
    for (const id of ids) expect((await h.record(id)).healthEventStatus.nodeQuarantined).toBe('');
    expect((await h.node('gpu-node-5')).spec?.unschedulable).not.toBe(true);
    expect((await h.node('gpu-node-4')).spec?.unschedulable).not.toBe(true);
  });

  it('quarantines on quarantineOverrides.force even when no rule matches, and skip suppresses a match', async () => {
    const [forced] = await h.insert(
      fatalGpuEvent('gpu-node-7', {
        agent: 'operator-tool',
        isFatal: false,
        message: 'manual drain',
        metadata: { creator_id: 'alice' },
        quarantineOverrides: { force: true, skip: false },
      }),
    );
    expect(await h.waitForStatus(forced!)).toBe(QuarantineStatus.Quarantined);
    const node = await h.node('gpu-node-7');
    expect(node.metadata?.labels?.[labels.cordonBy]).toBe('operator-tool-alice');
    expect(node.metadata?.labels?.[labels.cordonReason]).toBe('manual-drain');

    const [skipped, marker] = await h.insert(
      fatalGpuEvent('gpu-node-8', { quarantineOverrides: { force: false, skip: true } }),
      fatalGpuEvent('gpu-node-8', { checkName: 'Marker' }),
    );
    await h.waitForStatus(marker!, QuarantineStatus.Quarantined);
    expect((await h.record(skipped!)).healthEventStatus.nodeQuarantined).toBe('');
  });

  it('redoes a write that conflicts (stale cache) on a freshly read node', async () => {
    const removeFault = h.sim.injectFault({ method: 'PATCH', path: '/api/v1/nodes/gpu-node-9', status: 409, times: 1 });
    try {
      const [id] = await h.insert(fatalGpuEvent('gpu-node-9'));
      expect(await h.waitForStatus(id!)).toBe(QuarantineStatus.Quarantined);
      expect((await h.node('gpu-node-9')).spec?.unschedulable).toBe(true);
      // Handled on the first attempt: the consumer's retry did not have to step in.
      const errors = await h.fq!.metrics.processingErrors.get();
      expect(errors.values.filter((v) => v.labels['error_type'] === 'kubernetes_error')).toEqual([]);
    } finally {
      removeFault();
    }
  });

  it('detects a manual uncordon: cleans the node, marks it and cancels the active events', async () => {
    const fault = fatalGpuEvent('gpu-node-1', { checkName: 'SysLogsXIDError', agent: 'syslog-health-monitor' });
    // gpu-node-1 is quarantined since the first test; this adds a second fault.
    const [second] = await h.insert(fault);
    await h.waitForStatus(second!, QuarantineStatus.AlreadyQuarantined);
    await h.nodeOps.uncordon('gpu-node-1');
    const node = await h.waitForNode(
      'gpu-node-1',
      'manual-uncordon clean-up',
      (n) => n.metadata?.annotations?.[Annotations.uncordonedManually] === 'True',
    );
    expect(node.metadata?.annotations?.[Annotations.healthEvents]).toBeUndefined();
    expect(node.metadata?.labels?.[STATE_LABEL]).toBeUndefined();
    const events = await h.dataStore.healthEventStore().findHealthEventsByNode('gpu-node-1');
    expect(events.map((e) => e.healthEventStatus.nodeQuarantined).sort()).toEqual([
      QuarantineStatus.Cancelled,
      QuarantineStatus.Cancelled,
    ]);

    // A new fault later starts a fresh quarantine and clears the stale manual marker.
    const [fresh] = await h.insert(fatalGpuEvent('gpu-node-1'));
    expect(await h.waitForStatus(fresh!)).toBe(QuarantineStatus.Quarantined);
    const again = await h.node('gpu-node-1');
    expect(again.spec?.unschedulable).toBe(true);
    expect(again.metadata?.annotations?.[Annotations.uncordonedManually]).toBeUndefined();
  });
});
