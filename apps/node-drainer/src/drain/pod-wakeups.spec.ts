/**
 * PodWakeups on its own, against the cluster simulator over HTTP: when a wait counts as over, and
 * when the woken attempt may trust the watch's cache instead of listing.
 */
import { type ClusterSim, startClusterSim } from '@nvsentinel/cluster-sim';
import { type KubeClient, PodOps, RequestCounter, createKubeClient } from '@nvsentinel/k8s';
import { createLogger, createMetricsRegistry } from '@nvsentinel/service-kit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDrainerMetrics } from '../metrics.js';
import { eventually } from '../testing/harness.js';
import { workloadPod } from '../testing/pods.js';
import { PodWakeups } from './pod-wakeups.js';
import { Tracker } from './tracker.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('PodWakeups', () => {
  let sim: ClusterSim;
  let kube: KubeClient;
  let pods: PodOps;
  const requests = new RequestCounter();
  const stops: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    sim = await startClusterSim({
      nodes: 4,
      podsPerNode: 0,
      namespaces: ['jobs'],
      disruptionBudgets: false,
      timeScale: 1000,
    });
    kube = createKubeClient({ kubeconfig: sim.kubeconfig, qps: Infinity, burst: 1, metrics: requests });
    pods = new PodOps(kube);
  });
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
  });
  afterAll(async () => {
    kube?.close();
    await sim?.close();
  });

  function setup() {
    const woken: string[] = [];
    // The tracker's callback runs only after setup returns, so it can refer to `wakeups` below.
    const tracker = new Tracker({ onNodeIdle: (node) => wakeups.release(node) });
    const wakeups = new PodWakeups({
      kube,
      pods,
      tracker,
      metrics: createDrainerMetrics(createMetricsRegistry({ defaultMetrics: false })),
      logger: createLogger({ name: 'pod-wakeups-test', level: 'fatal' }),
      wake: (id) => woken.push(id),
    });
    stops.push(() => wakeups.stop());
    return { woken, tracker, wakeups };
  }

  const pod = async (node: string, name: string) =>
    (await pods.listPodsOnNode(node)).find((p) => p.metadata?.name === name)!;

  it('a pod the watch has not delivered yet has not ended: no wake until it is delivered and finishes', async () => {
    const node = 'gpu-node-0';
    sim.state.create(workloadPod({ name: 'early', namespace: 'jobs', node, ownerKind: 'Job' }));
    const olderList = await pods.podListOnNode(node); // the watch will start from here
    sim.state.create(workloadPod({ name: 'late', namespace: 'jobs', node, ownerKind: 'Job' }));
    const late = await pod(node, 'late');
    // Hold back the watch, so the cache stays at the older list (which lacks `late`).
    const removeFault = sim.injectFault({
      method: 'GET',
      path: /^\/api\/v1\/pods\?.*watch=true/,
      status: 503,
      times: 1_000_000,
    });
    stops.push(async () => removeFault());
    const { woken, tracker, wakeups } = setup();
    const tracked = tracker.track('e1', node, new Date());
    wakeups.waitFor(tracked, [late], olderList);
    await eventually(
      () => (requests.count('watch', 'pods', 503) >= 2 ? true : undefined),
      'the held-back watch retried',
    );
    expect(woken).toEqual([]); // absent from the cache, but never seen: not ended
    expect(tracked.waitingOn?.map((p) => p.name)).toEqual(['late']);

    removeFault();
    await eventually(() => (requests.count('watch', 'pods', 200) >= 1 ? true : undefined), 'the watch open');
    await sleep(200);
    expect(woken).toEqual([]); // delivered as running
    sim.state.updateStatus('v1', 'Pod', 'late', 'jobs', { phase: 'Succeeded' });
    await eventually(() => (woken.length > 0 ? true : undefined), 'the wake-up');
    expect(woken).toEqual(['e1']);
    expect(tracked.waitingOn).toBeUndefined();
    expect(tracked.wokenByPodWatch).toBe(true);
  });

  it("the woken attempt gets the cache only as the node's only drain and while the watch is healthy; the watch stops with the last drain", async () => {
    const node = 'gpu-node-1';
    sim.state.create(workloadPod({ name: 'a', namespace: 'jobs', node, ownerKind: 'Job' }));
    sim.state.create(workloadPod({ name: 'b', namespace: 'jobs', node, ownerKind: 'Job' }));
    const { woken, tracker, wakeups } = setup();
    const first = tracker.track('e1', node, new Date());
    const second = tracker.track('e2', node, new Date());
    const list = await pods.podListOnNode(node);
    wakeups.waitFor(
      first,
      list.items.filter((p) => p.metadata?.name === 'a'),
      list,
    );
    wakeups.waitFor(
      second,
      list.items.filter((p) => p.metadata?.name === 'b'),
      list,
    );
    expect(wakeups.watchedNodes).toEqual([node]); // one watch for both drains

    sim.state.updateStatus('v1', 'Pod', 'a', 'jobs', { phase: 'Failed' });
    await eventually(() => (woken.length > 0 ? true : undefined), 'the wake-up');
    expect(woken).toEqual(['e1']); // only the drain waiting for `a`
    expect(wakeups.podsAfterWake(first)).toBeUndefined(); // e2's attempts may have evicted what the cache has not seen yet

    tracker.untrack('e2');
    const cached = wakeups.podsAfterWake(first);
    const jobs = cached?.filter((p) => p.metadata?.namespace === 'jobs');
    expect(jobs?.map((p) => `${p.metadata?.name}:${p.status?.phase}`).sort()).toEqual(['a:Failed', 'b:Running']);
    expect(cached?.map((p) => p.metadata?.name).sort()).toEqual(
      (await pods.listPodsOnNode(node)).map((p) => p.metadata?.name).sort(),
    );

    // A failed watch makes the cache suspect until the next event arrives.
    const removeFault = sim.injectFault({
      method: 'GET',
      path: /^\/api\/v1\/pods\?.*watch=true/,
      status: 500,
      times: 1_000_000,
    });
    stops.push(async () => removeFault());
    const failedBefore = requests.count('watch', 'pods', 500);
    sim.disconnectWatches();
    await eventually(
      () => (requests.count('watch', 'pods', 500) > failedBefore ? true : undefined),
      'a failed re-watch',
    );
    expect(wakeups.podsAfterWake(first)).toBeUndefined();
    removeFault();

    tracker.untrack('e1');
    expect(wakeups.watchedNodes).toEqual([]);
  });
});
