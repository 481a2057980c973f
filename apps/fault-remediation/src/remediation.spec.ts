/**
 * The remediation paths end to end on both SQL providers: a real change stream (PostgreSQL or
 * embedded), the cluster simulator over HTTP with the janitor CRDs, the test playing
 * fault-quarantine, node-drainer and janitor.
 */
import { V1MicroTime } from '@kubernetes/client-node';
import { RecommendedAction } from '@nvsentinel/health-model';
import { CustomObjectOps, retryOnConflict } from '@nvsentinel/k8s';
import { createMetricsRegistry } from '@nvsentinel/service-kit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LeaderElectionError } from './errors.js';
import { createRemediationMetrics } from './metrics.js';
import { NodeMetadata, type NodeView } from './remediation/node-metadata.js';
import { reconcile } from './remediation/reconcile.js';
import {
  DEFAULT_TOML,
  GPU_RESET_TOML,
  Harness,
  NAMESPACE,
  eventually,
  metricValue,
  parseConfig,
  sleep,
} from './testing/harness.js';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

describe.each(['postgresql', 'embedded'] as const)('fault-remediation on %s', (provider) => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.start({ provider, scenario: { nodes: 13 } });
  });
  afterEach(async () => h.stopServices());
  afterAll(async () => h?.close());

  it('creates the RebootNode CR for a drained RESTART_VM event, records the group, labels the node and writes faultremediated', async () => {
    const node = 'gpu-node-0';
    const service = await h.startService();
    const id = await h.drained(node, { metadata: { trace_id: 'trace-1' } });
    const event = await h.waitForRemediated(id, true);
    expect(event.healthEventStatus.lastRemediationTimestamp).toBeDefined();
    expect(event.healthEventStatus.spanIds['fault-remediation']).toMatch(/^[0-9a-f]{16}$/);

    const [cr, ...more] = h.crs('rebootnodes', node);
    expect(more).toEqual([]);
    expect(cr!.metadata.name).toBe(`maintenance-${node}-${id}`);
    expect(cr!.metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'nvsentinel' });
    expect(cr!.metadata.annotations).toEqual({
      'nvsentinel.nvidia.com/trace-id': 'trace-1',
      'nvsentinel.nvidia.com/span-id': event.healthEventStatus.spanIds['fault-remediation'],
      'nvsentinel.nvidia.com/ttl': '336h',
    });
    expect(cr!.spec).toEqual({ nodeName: node, force: false });
    expect(cr!.metadata.ownerReferences).toEqual([
      { apiVersion: 'v1', kind: 'Node', name: node, uid: h.node(node).metadata.uid },
    ]);

    const state = h.remediationState(node)!;
    expect(Object.keys(state)).toEqual(['equivalenceGroups']);
    expect(state.equivalenceGroups.restart).toEqual({
      maintenanceCR: cr!.metadata.name,
      createdAt: expect.stringMatching(RFC3339),
      actionName: 'RESTART_VM',
    });
    expect(h.stateLabel(node)).toBe('remediation-succeeded');
    expect(
      await metricValue(service, 'fault_remediation_events_processed_total', `cr_status="created",node_name="${node}"`),
    ).toBe(1);
    expect(await metricValue(service, 'fault_remediation_cr_generate_duration_seconds_count')).toBeGreaterThanOrEqual(
      1,
    );
  });

  it('holds an event behind an in-progress CR of its group, then closes it as remediated once that CR succeeds; a later fault gets a new CR', async () => {
    const node = 'gpu-node-1';
    await h.startService();
    const first = await h.insertEvent(node);
    const second = await h.insertEvent(node, { recommendedAction: RecommendedAction.RESTART_BM }); // same group: restart
    await h.drain(first);
    await h.waitForRemediated(first, true);
    const [cr] = h.crs('rebootnodes', node);

    await h.drain(second, 'AlreadyQuarantined');
    // In progress (no status yet): no second CR, the event stays unresolved while it is requeued.
    await sleep(400);
    expect(h.crs('rebootnodes', node)).toHaveLength(1);
    expect((await h.event(second)).healthEventStatus.faultRemediated).toBeNull();

    h.setCondition('RebootNode', cr!.metadata.name, 'NodeReady', 'True');
    await h.waitForRemediated(second, true); // created before the CR: covered by it
    expect(h.crs('rebootnodes', node)).toHaveLength(1);

    // A fault after that remediation needs its own CR.
    const third = await h.drained(node, {}, 'AlreadyQuarantined');
    await h.waitForRemediated(third, true);
    expect(
      h
        .crs('rebootnodes', node)
        .map((c) => c.metadata.name)
        .sort(),
    ).toEqual([cr!.metadata.name, `maintenance-${node}-${third}`].sort());
    expect(h.remediationState(node)!.equivalenceGroups.restart.maintenanceCR).toBe(`maintenance-${node}-${third}`);
  });

  it('re-creates the CR when the previous one failed or is gone', async () => {
    const node = 'gpu-node-2';
    await h.startService();
    const first = await h.drained(node);
    await h.waitForRemediated(first, true);
    const [cr] = h.crs('rebootnodes', node);
    h.setCondition('RebootNode', cr!.metadata.name, 'NodeReady', 'False');

    const second = await h.drained(node, {}, 'AlreadyQuarantined');
    await h.waitForRemediated(second, true);
    expect(h.crs('rebootnodes', node)).toHaveLength(2);
    expect(h.remediationState(node)!.equivalenceGroups.restart.maintenanceCR).toBe(`maintenance-${node}-${second}`);

    // Deleted by someone (NotFound): the next event creates again.
    await h.admin.customObjects.deleteClusterCustomObject({
      group: 'janitor.dgxc.nvidia.com',
      version: 'v1alpha1',
      plural: 'rebootnodes',
      name: `maintenance-${node}-${second}`,
    });
    const third = await h.drained(node, {}, 'AlreadyQuarantined');
    await h.waitForRemediated(third, true);
    expect(
      h
        .crs('rebootnodes', node)
        .map((c) => c.metadata.name)
        .sort(),
    ).toEqual([cr!.metadata.name, `maintenance-${node}-${third}`].sort());
  });

  it('per-GPU resets: one GPUReset per GPU, the same GPU waits, and an in-progress restart supersedes later resets', async () => {
    const node = 'gpu-node-3';
    await h.startService({ toml: GPU_RESET_TOML });
    const reset = (uuid: string) => ({
      recommendedAction: RecommendedAction.COMPONENT_RESET,
      entitiesImpacted: [
        { entityType: 'GPU', entityValue: '0' },
        { entityType: 'GPU_UUID', entityValue: uuid },
      ],
    });
    const a = await h.drained(node, reset('GPU-aaa'));
    await h.waitForRemediated(a, true);
    const b = await h.drained(node, reset('GPU-bbb'), 'AlreadyQuarantined');
    await h.waitForRemediated(b, true);
    const resets = h.crs('gpuresets', node);
    expect(resets.map((r) => r.spec).sort((x, y) => x.selector.uuids[0].localeCompare(y.selector.uuids[0]))).toEqual([
      { nodeName: node, selector: { uuids: ['GPU-aaa'] } },
      { nodeName: node, selector: { uuids: ['GPU-bbb'] } },
    ]);
    expect(Object.keys(h.remediationState(node)!.equivalenceGroups).sort()).toEqual(['reset-GPU-aaa', 'reset-GPU-bbb']);

    // The same GPU again while its reset runs: held, no new GPUReset.
    const again = await h.drained(node, reset('GPU-aaa'), 'AlreadyQuarantined');
    await sleep(400);
    expect((await h.event(again)).healthEventStatus.faultRemediated).toBeNull();

    // A node restart is created alongside (different group) and then supersedes resets of other GPUs.
    const restart = await h.drained(node, { recommendedAction: RecommendedAction.RESTART_VM }, 'AlreadyQuarantined');
    await h.waitForRemediated(restart, true);
    expect(h.crs('rebootnodes', node)).toHaveLength(1);
    const c = await h.drained(node, reset('GPU-ccc'), 'AlreadyQuarantined');
    await sleep(400);
    expect((await h.event(c)).healthEventStatus.faultRemediated).toBeNull();
    expect(h.crs('gpuresets', node)).toHaveLength(2);

    // The restart succeeds: it covers the reset raised before it; the one raised after it gets its own GPUReset.
    h.setCondition('RebootNode', `maintenance-${node}-${restart}`, 'NodeReady', 'True');
    await h.waitForRemediated(again, true);
    await h.waitForRemediated(c, true);
    expect(
      h
        .crs('gpuresets', node)
        .map((r) => r.spec.selector.uuids[0])
        .sort(),
    ).toEqual(['GPU-aaa', 'GPU-bbb', 'GPU-ccc']);
  });

  it('an unsupported action and a per-GPU action without a GPU_UUID are not remediated: faultremediated=false, remediation-failed, counted', async () => {
    const node = 'gpu-node-4';
    const service = await h.startService({ toml: GPU_RESET_TOML });
    const id = await h.drained(node, { recommendedAction: RecommendedAction.CONTACT_SUPPORT });
    await h.waitForRemediated(id, false);
    expect(h.stateLabel(node)).toBe('remediation-failed');
    expect(
      await metricValue(
        service,
        'fault_remediation_unsupported_actions_total',
        `action="CONTACT_SUPPORT",node_name="${node}"`,
      ),
    ).toBe(1);

    const custom = await h.drained(
      node,
      { recommendedAction: RecommendedAction.CUSTOM, customRecommendedAction: 'DRAIN_AND_PRAY' },
      'AlreadyQuarantined',
    );
    await h.waitForRemediated(custom, false);
    expect(await metricValue(service, 'fault_remediation_unsupported_actions_total', `action="DRAIN_AND_PRAY"`)).toBe(
      1,
    );

    const noEntity = await h.drained(
      node,
      { recommendedAction: RecommendedAction.COMPONENT_RESET },
      'AlreadyQuarantined',
    );
    await h.waitForRemediated(noEntity, false);
    expect(h.crs('gpuresets', node)).toEqual([]);

    // NONE is skipped without a write.
    const none = await h.drained(node, { recommendedAction: RecommendedAction.NONE }, 'AlreadyQuarantined');
    await sleep(300);
    expect((await h.event(none)).healthEventStatus.faultRemediated).toBeNull();
    expect(h.crs('rebootnodes', node)).toEqual([]);
  });

  it('CUSTOM actions use customRecommendedAction to find their configuration', async () => {
    const node = 'gpu-node-5';
    const toml = `${GPU_RESET_TOML}\n[remediationActions."REBOOT_NOW"]\napiGroup = "janitor.dgxc.nvidia.com"\nversion = "v1alpha1"\nkind = "RebootNode"\ntemplateFileName = "nvidia-reboot.yaml"\nequivalenceGroup = "restart"\n`;
    await h.startService({ toml });
    const id = await h.drained(node, {
      recommendedAction: RecommendedAction.CUSTOM,
      customRecommendedAction: 'REBOOT_NOW',
    });
    await h.waitForRemediated(id, true);
    expect(h.remediationState(node)!.equivalenceGroups.restart.actionName).toBe('REBOOT_NOW');
    expect(h.crs('rebootnodes', node)).toHaveLength(1);
  });

  it('cancellation: Cancelled closes held events as not remediated, UnQuarantined as remediated; the annotation and label go', async () => {
    const node = 'gpu-node-6';
    await h.startService();
    const first = await h.insertEvent(node);
    const held = await h.insertEvent(node, { recommendedAction: RecommendedAction.RESTART_BM });
    await h.drain(first);
    await h.waitForRemediated(first, true);
    await h.drain(held, 'AlreadyQuarantined');
    await sleep(300);
    expect((await h.event(held)).healthEventStatus.faultRemediated).toBeNull();

    // An operator uncordons: fault-quarantine writes Cancelled on the latest event.
    const cancelled = await h.insertEvent(node, { recommendedAction: RecommendedAction.RESTART_VM });
    await h.store.updateNodeQuarantineStatus(cancelled, 'Cancelled');
    await h.waitForRemediated(cancelled, true);
    await h.waitForRemediated(held, false);
    expect(h.remediationState(node)).toBeUndefined();
    expect(h.stateLabel(node)).toBeUndefined();

    // A later session ends by recovery: its held event is closed as remediated.
    const next = await h.insertEvent(node);
    const held2 = await h.insertEvent(node, { recommendedAction: RecommendedAction.RESTART_BM });
    await h.drain(next);
    await h.waitForRemediated(next, true);
    await h.drain(held2, 'AlreadyQuarantined');
    const healthy = await h.insertEvent(node, {
      isHealthy: true,
      isFatal: false,
      recommendedAction: RecommendedAction.NONE,
    });
    await h.store.updateNodeQuarantineStatus(healthy, 'UnQuarantined');
    await h.store.updatePodEvictionStatus(healthy, { status: 'Succeeded', message: '' });
    await h.waitForRemediated(healthy, true);
    await h.waitForRemediated(held2, true);
    expect(h.remediationState(node)).toBeUndefined();
  });

  it('partial recovery: a healthy event while still quarantined recomputes the label from the faults that remain', async () => {
    const node = 'gpu-node-7';
    await h.startService();
    const restart = await h.drained(node, { checkName: 'GpuXidError' });
    await h.waitForRemediated(restart, true);
    const unsupported = await h.drained(
      node,
      { checkName: 'GpuMemWatch', recommendedAction: RecommendedAction.CONTACT_SUPPORT },
      'AlreadyQuarantined',
    );
    await h.waitForRemediated(unsupported, false);
    expect(h.stateLabel(node)).toBe('remediation-failed');

    // The failed fault's check recovers; the remediated one remains: the node is remediation-succeeded again.
    const healthy = await h.insertEvent(node, {
      checkName: 'GpuMemWatch',
      isHealthy: true,
      isFatal: false,
      recommendedAction: RecommendedAction.NONE,
    });
    await h.drain(healthy, 'AlreadyQuarantined', 'AlreadyDrained');
    await h.waitForRemediated(healthy, true);
    await eventually(() => h.stateLabel(node) === 'remediation-succeeded', 'label recomputed to remediation-succeeded');
    expect(h.crs('rebootnodes', node)).toHaveLength(1);
  });

  it('dry-run sends the create with dryRun=All: nothing is created, the status is still written', async () => {
    const node = 'gpu-node-8';
    await h.startService({ options: { dryRun: true } });
    const id = await h.drained(node);
    await h.waitForRemediated(id, true);
    expect(h.crs('rebootnodes', node)).toEqual([]);
    // The API server accepted the create (201) yet stored nothing: it was a server-side dry run.
    const creates = h.requests.records.filter((r) => r.verb === 'create' && r.resource === 'rebootnodes');
    expect(creates.map((r) => r.statusCode)).toContain(201);
    expect(h.remediationState(node)).toBeUndefined();
  });

  it('a node re-created after this process last saw it: the CR is owned by the node that exists', async () => {
    const node = 'gpu-node-12';
    const id = await h.drained(node);
    const kube = h.kubeClient();
    // The watch cache still holds the deleted node (same name, old uid).
    class StaleNodes extends NodeMetadata {
      override async view(name: string): Promise<NodeView | undefined> {
        const view = await super.view(name);
        return view && { ...view, uid: 'uid-of-the-deleted-node' };
      }
    }
    const outcome = await reconcile(
      {
        store: h.store,
        nodes: new StaleNodes(kube),
        crs: new CustomObjectOps(kube),
        config: parseConfig(DEFAULT_TOML),
        metrics: createRemediationMetrics(createMetricsRegistry({ defaultMetrics: false })),
        logger: h.logger,
        dryRun: false,
        now: () => new Date(),
        isActing: () => true,
      },
      await h.event(id),
    );
    expect(outcome).toEqual({ kind: 'created', crName: `maintenance-${node}-${id}` });
    expect(h.crs('rebootnodes', node).map((cr) => cr.metadata.ownerReferences)).toEqual([
      [{ apiVersion: 'v1', kind: 'Node', name: node, uid: h.node(node).metadata.uid }],
    ]);
    expect(h.stateLabel(node)).toBe('remediation-succeeded');
    kube.close();
  });

  it('cold start: events drained while no replica ran are remediated at start-up', async () => {
    const node = 'gpu-node-9';
    const id = await h.drained(node);
    const service = await h.startService();
    await h.waitForRemediated(id, true);
    expect(h.crs('rebootnodes', node)).toHaveLength(1);
    expect(await metricValue(service, 'fault_remediation_events_replayed_total')).toBeGreaterThanOrEqual(1);
  });

  it('a restart between creating the CR and writing the status: exactly one CR, and the status is written after the restart', async () => {
    const node = 'gpu-node-10';
    let frozen!: () => void;
    const reachedCr = new Promise<void>((resolve) => (frozen = resolve));
    const first = await h.startService({
      untracked: true,
      options: { stopTimeoutMs: 200, afterCrCreated: () => (frozen(), new Promise<void>(() => undefined)) }, // the process dies here
    });
    const id = await h.drained(node);
    await reachedCr;
    await first.stop();
    expect(h.crs('rebootnodes', node)).toHaveLength(1);
    expect((await h.event(id)).healthEventStatus.faultRemediated).toBeNull();
    expect(h.remediationState(node)).toBeUndefined();

    await h.startService();
    await h.waitForRemediated(id, true);
    expect(h.crs('rebootnodes', node)).toHaveLength(1);
    expect(h.remediationState(node)!.equivalenceGroups.restart.maintenanceCR).toBe(`maintenance-${node}-${id}`);
    expect(h.stateLabel(node)).toBe('remediation-succeeded');
  });

  it('leader election with two replicas: only the leader acts; a replica that loses the Lease stops at once and the other takes over', async () => {
    const lease = {
      leaderElect: true,
      leaderElectionId: `fr-leader-${provider}`,
      leaseDurationMs: 1000,
      renewDeadlineMs: 800,
      retryPeriodMs: 50,
    };
    const a = await h.startService({ options: { ...lease, identity: 'replica-a' } });
    await eventually(() => a.isActing(), 'replica-a leads');
    const b = await h.startService({ options: { ...lease, identity: 'replica-b' } });
    expect(b.isActing()).toBe(false);
    expect(await b.readinessChecks()['fault-remediation']!()).toMatchObject({
      ok: true,
      detail: expect.stringContaining('standby'),
    });

    const node = 'gpu-node-11';
    const first = await h.drained(node);
    await h.waitForRemediated(first, true);
    expect(
      await metricValue(a, 'fault_remediation_events_processed_total', `cr_status="created",node_name="${node}"`),
    ).toBe(1);
    expect(await metricValue(b, 'fault_remediation_events_processed_total')).toBe(0);

    // Someone else takes the Lease (a partition, a manual edit): replica-a notices and stops.
    await retryOnConflict(
      'steal the lease',
      async () => {
        const current = await h.admin.coordination.readNamespacedLease({
          name: lease.leaderElectionId,
          namespace: NAMESPACE,
        });
        current.spec = { ...current.spec, holderIdentity: 'intruder', renewTime: new V1MicroTime(Date.now()) };
        await h.admin.coordination.replaceNamespacedLease({
          name: lease.leaderElectionId,
          namespace: NAMESPACE,
          body: current,
        });
      },
      { maxAttempts: 50 },
    );
    await expect(a.done).rejects.toThrow(/lost the lease/);
    expect(a.isActing()).toBe(false);
    expect(LeaderElectionError.is(await a.done.catch((err: unknown) => err))).toBe(true);

    // The intruder never renews: after its lease expires replica-b leads and remediates what arrived meanwhile.
    const second = await h.drained(node, { recommendedAction: RecommendedAction.REPLACE_VM }, 'AlreadyQuarantined');
    await eventually(() => b.isActing(), 'replica-b leads');
    await h.waitForRemediated(second, true);
    expect(
      await metricValue(a, 'fault_remediation_events_processed_total', `cr_status="created",node_name="${node}"`),
    ).toBe(1);
    expect(
      await metricValue(b, 'fault_remediation_events_processed_total', `cr_status="created",node_name="${node}"`),
    ).toBe(1);
    expect(h.crs('terminatenodes', node)).toHaveLength(1);

    // A standby stops cleanly without ever leading.
    const c = await h.startService({ untracked: true, options: { ...lease, identity: 'replica-c' } });
    await sleep(200);
    expect(c.isActing()).toBe(false);
    await c.stop();
    await expect(c.done).resolves.toBeUndefined();
  });
});
