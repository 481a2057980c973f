import { CoreV1Api, PatchStrategy, Watch, setHeaderOptions, type V1Node } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterSim } from '../start-cluster-sim.js';
import { eventually, startWithClient } from '../testing/client.js';
import { REBOOT_ANNOTATION } from './node-simulator.js';

function ready(node: V1Node): string | undefined {
  return node.status?.conditions?.find((condition) => condition.type === 'Ready')?.status;
}

describe('node reboot simulation', () => {
  let sim: ClusterSim | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it('takes the node NotReady, clears its workload pods, keeps DaemonSet pods, and brings it back Ready', async () => {
    const started = await startWithClient({ nodes: 2, podsPerNode: 3, timeScale: 100 });
    sim = started.sim;
    const core = started.kc.makeApiClient(CoreV1Api);
    const before = await core.readNode({ name: 'gpu-node-0' });
    const bootId = before.status?.nodeInfo?.bootID;

    const back = sim.rebootNode('gpu-node-0', { downSeconds: 100 });
    const down = await core.readNode({ name: 'gpu-node-0' });
    expect(ready(down)).toBe('Unknown');
    expect(down.spec?.taints?.map((taint) => taint.key)).toContain('node.kubernetes.io/unreachable');
    const podsDuring = await core.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName=gpu-node-0' });
    expect(podsDuring.items.map((pod) => pod.metadata?.namespace)).toEqual(['gpu-operator', 'gpu-operator']);
    expect((await core.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName=gpu-node-1' })).items).toHaveLength(5);

    await back;
    const up = await core.readNode({ name: 'gpu-node-0' });
    expect(ready(up)).toBe('True');
    expect(up.spec?.taints ?? []).toEqual([]);
    expect(up.status?.nodeInfo?.bootID).not.toBe(bootId);
    const daemonPods = (await core.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName=gpu-node-0' })).items;
    expect(daemonPods.map((pod) => pod.status?.containerStatuses?.[0]?.restartCount)).toEqual([1, 1]);
    expect(
      daemonPods.every(
        (pod) => pod.status?.conditions?.find((condition) => condition.type === 'Ready')?.status === 'True',
      ),
    ).toBe(true);
    expect(
      new Date(up.status!.conditions!.find((c) => c.type === 'Ready')!.lastTransitionTime!).getTime(),
    ).toBeGreaterThanOrEqual(
      new Date(down.status!.conditions!.find((c) => c.type === 'Ready')!.lastTransitionTime!).getTime(),
    );
  });

  it('reboots a node when the reboot annotation is set through the API, then removes the annotation', async () => {
    const started = await startWithClient({ nodes: 1, podsPerNode: 0, daemonSets: false, timeScale: 1000 });
    sim = started.sim;
    const core = started.kc.makeApiClient(CoreV1Api);
    const statuses: string[] = [];
    const controller = await new Watch(started.kc).watch(
      '/api/v1/nodes',
      {},
      (_type, node: V1Node) => {
        const status = ready(node)!;
        if (statuses[statuses.length - 1] !== status) statuses.push(status);
      },
      () => undefined,
    );
    await core.patchNode(
      { name: 'gpu-node-0', body: { metadata: { annotations: { [REBOOT_ANNOTATION]: '5' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await eventually(() => (statuses.length === 3 ? true : undefined));
    controller.abort();
    expect(statuses).toEqual(['True', 'Unknown', 'True']);
    const node = await core.readNode({ name: 'gpu-node-0' });
    expect(node.metadata?.annotations?.[REBOOT_ANNOTATION]).toBeUndefined();
  });

  it('garbage-collects the pods of a deleted node after the pod GC quarantine', async () => {
    const started = await startWithClient({ nodes: 2, podsPerNode: 2, timeScale: 100 });
    sim = started.sim;
    const core = started.kc.makeApiClient(CoreV1Api);
    await core.deleteNode({ name: 'gpu-node-0' });
    expect((await core.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName=gpu-node-0' })).items.length).toBe(4);
    await eventually(async () =>
      (await core.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName=gpu-node-0' })).items.length === 0
        ? true
        : undefined,
    );
    expect((await core.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName=gpu-node-1' })).items.length).toBe(4);
  });

  it('exposes reboot over HTTP for other processes', async () => {
    const started = await startWithClient({ nodes: 1, podsPerNode: 0, daemonSets: false, timeScale: 1000 });
    sim = started.sim;
    const response = await fetch(`${sim.url}/cluster-sim/v1/nodes/gpu-node-0/reboot?downSeconds=6000`, {
      method: 'POST',
    });
    expect(response.status).toBe(202);
    expect(ready(sim.state.nodes()[0] as V1Node)).toBe('Unknown');
    expect((await fetch(`${sim.url}/cluster-sim/v1/nodes/nope/reboot`, { method: 'POST' })).status).toBe(404);
  });
});
