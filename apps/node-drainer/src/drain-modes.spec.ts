/**
 * Every eviction mode end to end: real PostgreSQL change stream → drainer → cluster simulator
 * over HTTP → status write-backs. The test plays fault-quarantine (cordon + quarantine status).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEVICES_ANNOTATION } from './drain/gpu-devices.js';
import { Harness, eventually } from './testing/harness.js';
import { workloadPod } from './testing/pods.js';

const SYSTEM = 'systemNamespaces = "^(kube-system|gpu-operator)$"';

describe('node-drainer on PostgreSQL and the cluster simulator', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.start({ scenario: { nodes: 5, namespaces: ['train', 'serve', 'batch'] } });
  });
  afterEach(async () => h.stopDrainers());
  afterAll(async () => h?.close());

  it('Immediate: evicts user pods with the configured grace, skips DaemonSet and system pods, then records Succeeded', async () => {
    const node = 'gpu-node-0';
    h.sim.state.create(workloadPod({ name: 'train-0', namespace: 'train', node, gpus: 8 }));
    h.sim.state.create(workloadPod({ name: 'serve-0', namespace: 'serve', node, gpus: 1 }));
    h.sim.state.create(workloadPod({ name: 'coredns-0', namespace: 'kube-system', node }));
    h.sim.state.create(workloadPod({ name: 'train-other', namespace: 'train', node: 'gpu-node-4' }));
    await h.startDrainer({
      toml: `evictionTimeoutInSeconds = "45"\n${SYSTEM}\n[[userNamespaces]]\nname = "*"\nmode = "Immediate"\n`,
    });

    const id = await h.quarantine(node);
    const done = await h.waitForStatus(id, 'Succeeded');

    expect(h.podNames(node).filter((p) => !p.startsWith('gpu-operator/'))).toEqual(['kube-system/coredns-0']);
    expect(h.podNames(node).some((p) => p.startsWith('gpu-operator/nvidia-driver-daemonset'))).toBe(true);
    expect(h.podNames('gpu-node-4')).toContain('train/train-other');
    expect(done.healthEventStatus.drainFinishTimestamp).toBeDefined();
    expect(h.stateLabel(node)).toBe('drain-succeeded');
    const evictions = h.requests.records.filter((r) => r.resource === 'pods/eviction');
    expect(evictions.map((r) => r.path).sort()).toEqual([
      '/api/v1/namespaces/serve/pods/serve-0/eviction',
      '/api/v1/namespaces/train/pods/train-0/eviction',
    ]);
  });

  it('AllowCompletion: evicts nothing, emits AwaitingPodCompletion, and succeeds once the pods finish', async () => {
    const node = 'gpu-node-1';
    h.sim.state.create(workloadPod({ name: 'batch-0', namespace: 'batch', node, ownerKind: 'Job' }));
    const drainer = await h.startDrainer({
      toml: `${SYSTEM}\n[[userNamespaces]]\nname = "*"\nmode = "AllowCompletion"\n`,
    });
    const evictionsBefore = h.requests.count(undefined, 'pods/eviction');

    const id = await h.quarantine(node);
    const events = await eventually(() => {
      const found = h.nodeEvents(node, 'AwaitingPodCompletion');
      return found.length > 0 ? found : undefined;
    }, 'AwaitingPodCompletion event');
    expect(events[0]!.message).toContain('batch/batch-0');
    expect(events[0]!.type).toBe('NodeDraining');
    expect((await h.event(id)).healthEventStatus.userPodsEvictionStatus.status).toBe('InProgress');
    expect(h.stateLabel(node)).toBe('draining');

    h.sim.state.updateStatus('v1', 'Pod', 'batch-0', 'batch', {
      phase: 'Succeeded',
      conditions: [{ type: 'Ready', status: 'False' }],
    });
    await h.waitForStatus(id, 'Succeeded');
    expect(h.requests.count(undefined, 'pods/eviction')).toBe(evictionsBefore);
    expect(h.stateLabel(node)).toBe('drain-succeeded');
    expect(await drainer.registry.getSingleMetricAsString('node_drainer_events_processed_total')).toContain(
      `drain_status="Succeeded",node="${node}"`,
    );
  });

  it('DeleteAfterTimeout: waits with WaitingBeforeForceDelete until createdAt + timeout, then force-deletes', async () => {
    const node = 'gpu-node-2';
    h.sim.state.create(workloadPod({ name: 'serve-a', namespace: 'serve', node, terminationGracePeriodSeconds: 3600 }));
    h.sim.state.create(workloadPod({ name: 'serve-b', namespace: 'serve', node, terminationGracePeriodSeconds: 3600 }));
    let offsetMs = 0;
    const drainer = await h.startDrainer({
      toml: `${SYSTEM}\ndeleteAfterTimeoutMinutes = 30\n[[userNamespaces]]\nname = "serve"\nmode = "DeleteAfterTimeout"\n`,
      now: () => new Date(Date.now() + offsetMs),
    });

    const id = await h.quarantine(node);
    const waiting = await eventually(
      () => h.nodeEvents(node, 'WaitingBeforeForceDelete')[0],
      'WaitingBeforeForceDelete event',
    );
    const createdAt = (await h.event(id)).createdAt;
    expect(waiting.message).toBe(
      `Waiting for following pods to finish: [serve-a,serve-b] in namespace: [serve] or they will be force deleted on: ${new Date(createdAt.getTime() + 30 * 60_000).toISOString()}`,
    );
    expect(await drainer.registry.getSingleMetricAsString('node_drainer_waiting_for_timeout')).toContain(
      `node="${node}"} 1`,
    );
    expect(h.podNames(node).filter((p) => p.startsWith('serve/'))).toHaveLength(2);

    offsetMs = 31 * 60_000; // the deadline passes
    await h.waitForStatus(id, 'Succeeded');
    expect(h.podNames(node).filter((p) => p.startsWith('serve/'))).toEqual([]);
    const deletes = h.requests.records.filter((r) => r.verb === 'delete' && r.resource === 'pods');
    expect(deletes).toHaveLength(2);
    expect(await drainer.registry.getSingleMetricAsString('node_drainer_force_delete_pods_after_timeout')).toContain(
      `node="${node}",namespace="serve"} 2`,
    );
  });

  it('partial drain: a COMPONENT_RESET with a GPU_UUID evicts only the pods on that GPU', async () => {
    const node = 'gpu-node-3';
    const bad = 'GPU-1d2c3b4a-0000-1111-2222-333344445555';
    h.sim.state.create(
      workloadPod({
        name: 'on-bad-gpu',
        namespace: 'train',
        node,
        gpus: 1,
        annotations: { [DEVICES_ANNOTATION]: JSON.stringify({ 'nvidia.com/gpu': [bad] }) },
      }),
    );
    h.sim.state.create(
      workloadPod({
        name: 'on-good-gpu',
        namespace: 'train',
        node,
        gpus: 1,
        annotations: { [DEVICES_ANNOTATION]: 'GPU-99999999-aaaa-bbbb-cccc-dddddddddddd' },
      }),
    );
    h.sim.state.create(workloadPod({ name: 'cpu-only', namespace: 'train', node }));
    await h.startDrainer({
      toml: `${SYSTEM}\npartialDrainEnabled = true\n[[userNamespaces]]\nname = "*"\nmode = "Immediate"\n`,
    });

    const id = await h.quarantine(node, {
      recommendedAction: 2,
      entitiesImpacted: [{ entityType: 'GPU_UUID', entityValue: bad }],
    });
    const done = await h.waitForStatus(id, 'Succeeded');
    expect(done.healthEventStatus.userPodsEvictionStatus.message).toContain(bad);
    expect(h.podNames(node).filter((p) => p.startsWith('train/'))).toEqual(['train/cpu-only', 'train/on-good-gpu']);

    const noEntity = await h.quarantine(
      node,
      { recommendedAction: 2, entitiesImpacted: [{ entityType: 'GPU', entityValue: '3' }] },
      'AlreadyQuarantined',
    );
    const failed = await h.waitForStatus(noEntity, 'Failed');
    expect(failed.healthEventStatus.userPodsEvictionStatus.message).toContain('GPU_UUID');
    expect(h.stateLabel(node)).toBe('drain-failed');
  });
});
