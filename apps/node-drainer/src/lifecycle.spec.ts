/**
 * Budgets, cancellation, restarts and overrides: the paths where a drain waits, stops or resumes.
 * Real PostgreSQL change stream and the cluster simulator over HTTP; the test plays fault-quarantine.
 */
import { NodeOps } from '@nvsentinel/k8s';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Harness, eventually, metricValue } from './testing/harness.js';
import { workloadPod } from './testing/pods.js';

const SYSTEM = 'systemNamespaces = "^(kube-system|gpu-operator)$"';
const IMMEDIATE = `${SYSTEM}\nevictionTimeoutInSeconds = "30"\n[[userNamespaces]]\nname = "*"\nmode = "Immediate"\n`;
const ALLOW_COMPLETION = `${SYSTEM}\n[[userNamespaces]]\nname = "*"\nmode = "AllowCompletion"\n`;

describe('node-drainer waits, cancellations and restarts', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.start({ scenario: { nodes: 10, namespaces: ['web', 'jobs', 'api'] } });
  });
  afterEach(async () => h.stopDrainers());
  afterAll(async () => h?.close());

  it('a PodDisruptionBudget that refuses an eviction is retried with backoff, never bypassed, and the drain completes once the budget allows', async () => {
    const node = 'gpu-node-0';
    h.sim.state.create(workloadPod({ name: 'web-1', namespace: 'web', node, labels: { app: 'web' } }));
    h.sim.state.create(workloadPod({ name: 'web-2', namespace: 'web', node, labels: { app: 'web' } }));
    h.sim.state.create(workloadPod({ name: 'web-3', namespace: 'web', node: 'gpu-node-1', labels: { app: 'web' } }));
    h.sim.state.create({
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'web', namespace: 'web' },
      spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } } },
    });
    await h.startDrainer({ toml: IMMEDIATE });

    const id = await h.quarantine(node);
    // One of web-1/web-2 may go (3 healthy, 2 required); the other is refused again and again.
    await eventually(
      () => (h.requests.count('create', 'pods/eviction', 429) >= 3 ? true : undefined),
      'repeated 429 refusals',
    );
    expect(h.podNames(node).filter((p) => p.startsWith('web/'))).toHaveLength(1);
    expect((await h.event(id)).healthEventStatus.userPodsEvictionStatus.status).toBe('InProgress');
    expect(h.requests.count('delete', 'pods')).toBe(0); // never bypassed with a delete

    // The workload's controller brings up a replacement elsewhere: the budget now allows one more.
    h.sim.state.create(workloadPod({ name: 'web-4', namespace: 'web', node: 'gpu-node-2', labels: { app: 'web' } }));
    await h.waitForStatus(id, 'Succeeded');
    expect(h.podNames(node).filter((p) => p.startsWith('web/'))).toEqual([]);
  });

  it('a manual uncordon (fault-quarantine writes Cancelled) stops a waiting drain and removes the draining label', async () => {
    const node = 'gpu-node-3';
    h.sim.state.create(workloadPod({ name: 'job-1', namespace: 'jobs', node, ownerKind: 'Job' }));
    const drainer = await h.startDrainer({ toml: ALLOW_COMPLETION });
    const id = await h.quarantine(node);
    await eventually(() => (h.stateLabel(node) === 'draining' ? true : undefined), 'draining label');

    await new NodeOps(h.admin).uncordon(node);
    await h.store.updateNodeQuarantineStatus(id, 'Cancelled');
    const cancelled = await h.waitForStatus(id, 'Cancelled');
    expect(cancelled.healthEventStatus.userPodsEvictionStatus.message).toContain('cancelled');
    expect(h.stateLabel(node)).toBeUndefined();
    expect(h.podNames(node)).toContain('jobs/job-1');
    expect(await metricValue(drainer, 'node_drainer_cancelled_event_total', `node="${node}"`)).toBe(1);
  });

  it('a healthy event that un-quarantines the node cancels the earlier drain and is itself recorded Succeeded', async () => {
    const node = 'gpu-node-4';
    h.sim.state.create(workloadPod({ name: 'job-2', namespace: 'jobs', node, ownerKind: 'Job' }));
    await h.startDrainer({ toml: ALLOW_COMPLETION });
    const faulty = await h.quarantine(node);
    await eventually(() => (h.stateLabel(node) === 'draining' ? true : undefined), 'draining label');

    const healthy = await h.insertEvent(node, { isHealthy: true, isFatal: false, message: 'recovered' });
    await new NodeOps(h.admin).uncordon(node);
    await h.store.updateNodeQuarantineStatus(healthy, 'UnQuarantined');

    await h.waitForStatus(faulty, 'Cancelled');
    await h.waitForStatus(healthy, 'Succeeded');
    expect(h.podNames(node)).toContain('jobs/job-2');
  });

  it('a restart in the middle of a drain resumes it from the datastore and finishes it exactly once', async () => {
    const node = 'gpu-node-5';
    h.sim.state.create(workloadPod({ name: 'job-3', namespace: 'jobs', node, ownerKind: 'Job' }));
    const first = await h.startDrainer({ toml: ALLOW_COMPLETION });
    const id = await h.quarantine(node);
    await eventually(
      () => (h.nodeEvents(node, 'AwaitingPodCompletion').length > 0 ? true : undefined),
      'drain waiting',
    );
    await first.stop(); // the process goes away mid-drain

    // While it is down the pod finishes, and another node is quarantined (only the stream knows).
    h.sim.state.updateStatus('v1', 'Pod', 'job-3', 'jobs', { phase: 'Succeeded' });
    h.sim.state.create(workloadPod({ name: 'job-4', namespace: 'jobs', node: 'gpu-node-6', ownerKind: 'Job' }));
    const second = await h.quarantine('gpu-node-6');
    h.sim.state.updateStatus('v1', 'Pod', 'job-4', 'jobs', { phase: 'Failed' });

    const restarted = await h.startDrainer({ toml: ALLOW_COMPLETION });
    await h.waitForStatus(id, 'Succeeded');
    await h.waitForStatus(second, 'Succeeded');
    expect(await metricValue(restarted, 'node_drainer_events_replayed_total', '')).toBeGreaterThanOrEqual(1);

    // Redelivery and repeated attempts change nothing: one Succeeded per event, across both processes.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const finished = async (d: typeof first, n: string) =>
      metricValue(d, 'node_drainer_events_processed_total', `node="${n}"`);
    expect((await finished(first, node)) + (await finished(restarted, node))).toBe(1);
    expect(await finished(restarted, 'gpu-node-6')).toBe(1);
    expect((await h.event(id)).healthEventStatus.userPodsEvictionStatus.status).toBe('Succeeded');
  });

  it('a restart while a budget blocks an Immediate drain: each pod is evicted once and the drain finishes once', async () => {
    const node = 'gpu-node-8';
    h.sim.state.create(workloadPod({ name: 'api-1', namespace: 'api', node, labels: { app: 'api' } }));
    h.sim.state.create(workloadPod({ name: 'api-2', namespace: 'api', node, labels: { app: 'api' } }));
    h.sim.state.create(workloadPod({ name: 'api-3', namespace: 'api', node: 'gpu-node-9', labels: { app: 'api' } }));
    h.sim.state.create({
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'api', namespace: 'api' },
      spec: { minAvailable: 2, selector: { matchLabels: { app: 'api' } } },
    });
    const evictedOk = (pod: string) =>
      h.requests.records.filter((r) => r.path === `/api/v1/namespaces/api/pods/${pod}/eviction` && r.statusCode === 201)
        .length;
    const first = await h.startDrainer({ toml: IMMEDIATE });
    const id = await h.quarantine(node);
    await eventually(
      () =>
        evictedOk('api-1') + evictedOk('api-2') === 1 &&
        h.podNames(node).filter((p) => p.startsWith('api/')).length === 1
          ? true
          : undefined,
      'one pod evicted, the other blocked',
    );
    await first.stop();

    h.sim.state.create(workloadPod({ name: 'api-4', namespace: 'api', node: 'gpu-node-9', labels: { app: 'api' } }));
    const second = await h.startDrainer({ toml: IMMEDIATE });
    await h.waitForStatus(id, 'Succeeded');
    expect([evictedOk('api-1'), evictedOk('api-2')]).toEqual([1, 1]);
    const finished = async (d: typeof first) => metricValue(d, 'node_drainer_events_processed_total', `node="${node}"`);
    expect((await finished(first)) + (await finished(second))).toBe(1);
  });

  it('drainOverrides.skip and healthy events are AlreadyDrained; drainOverrides.force evicts AllowCompletion namespaces at once', async () => {
    const node = 'gpu-node-7';
    h.sim.state.create(workloadPod({ name: 'job-5', namespace: 'jobs', node, ownerKind: 'Job' }));
    await h.startDrainer({ toml: ALLOW_COMPLETION });

    const skipped = await h.quarantine(node, { drainOverrides: { skip: true, force: false } });
    await h.waitForStatus(skipped, 'AlreadyDrained');
    expect(h.podNames(node)).toContain('jobs/job-5');

    const forced = await h.quarantine(node, { drainOverrides: { skip: false, force: true } }, 'AlreadyQuarantined');
    await h.waitForStatus(forced, 'Succeeded');
    expect(h.podNames(node)).not.toContain('jobs/job-5');

    // Another fault on the already-drained node: nothing more to do.
    const again = await h.quarantine(node, {}, 'AlreadyQuarantined');
    const already = await h.waitForStatus(again, 'AlreadyDrained');
    expect(already.healthEventStatus.drainFinishTimestamp).toBeDefined();
  });
});
