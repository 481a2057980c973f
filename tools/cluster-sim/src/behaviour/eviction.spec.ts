import { CoreV1Api, PolicyV1Api, type V1Pod } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterSim, ClusterSimOptions } from '../start-cluster-sim.js';
import { apiFailure, eventually, startWithClient } from '../testing/client.js';

function pod(name: string, labels: Record<string, string>, nodeName = 'gpu-node-0'): V1Pod {
  return {
    metadata: { name, labels },
    spec: { nodeName, terminationGracePeriodSeconds: 30, containers: [{ name: 'main', image: 'busybox' }] },
  };
}

describe('eviction and PodDisruptionBudgets', () => {
  let sim: ClusterSim | undefined;

  async function start(options: ClusterSimOptions = {}): Promise<{ core: CoreV1Api; policy: PolicyV1Api }> {
    const started = await startWithClient({
      nodes: 1,
      podsPerNode: 0,
      daemonSets: false,
      namespaces: ['work'],
      ...options,
    });
    sim = started.sim;
    return { core: started.kc.makeApiClient(CoreV1Api), policy: started.kc.makeApiClient(PolicyV1Api) };
  }

  const evict = (core: CoreV1Api, name: string, deleteOptions?: { gracePeriodSeconds?: number }) =>
    core.createNamespacedPodEviction({
      name,
      namespace: 'work',
      body: { metadata: { name, namespace: 'work' }, ...(deleteOptions ? { deleteOptions } : {}) },
    });

  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it('computes PDB status and refuses an eviction that would break the budget with 429', async () => {
    const { core, policy } = await start();
    for (const name of ['web-0', 'web-1', 'web-2'])
      await core.createNamespacedPod({ namespace: 'work', body: pod(name, { app: 'web' }) });
    await policy.createNamespacedPodDisruptionBudget({
      namespace: 'work',
      body: { metadata: { name: 'web' }, spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } } } },
    });
    const budget = await eventually(async () => {
      const read = await policy.readNamespacedPodDisruptionBudget({ name: 'web', namespace: 'work' });
      return read.status?.expectedPods === 3 ? read : undefined;
    });
    expect(budget.status).toMatchObject({
      currentHealthy: 3,
      desiredHealthy: 2,
      disruptionsAllowed: 1,
      observedGeneration: 1,
    });

    await evict(core, 'web-0');
    const terminating = await core.readNamespacedPod({ name: 'web-0', namespace: 'work' });
    expect(terminating.metadata?.deletionTimestamp).toBeInstanceOf(Date);
    expect(terminating.status?.conditions?.find((condition) => condition.type === 'DisruptionTarget')).toMatchObject({
      status: 'True',
      reason: 'EvictionByEvictionAPI',
    });

    const refused = await apiFailure(evict(core, 'web-1'));
    expect(refused.code).toBe(429);
    expect(refused.status).toMatchObject({
      reason: 'TooManyRequests',
      message: "Cannot evict pod as it would violate the pod's disruption budget.",
      details: {
        causes: [
          { reason: 'DisruptionBudget', message: 'The disruption budget web needs 2 healthy pods and has 2 currently' },
        ],
      },
    });
    expect(
      (await core.readNamespacedPod({ name: 'web-1', namespace: 'work' })).metadata?.deletionTimestamp,
    ).toBeUndefined();
  });

  it('answers 500 when two budgets select the pod, as the real eviction API does', async () => {
    const { core, policy } = await start();
    await core.createNamespacedPod({ namespace: 'work', body: pod('db-0', { app: 'db', tier: 'data' }) });
    await policy.createNamespacedPodDisruptionBudget({
      namespace: 'work',
      body: { metadata: { name: 'by-app' }, spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'db' } } } },
    });
    await policy.createNamespacedPodDisruptionBudget({
      namespace: 'work',
      body: { metadata: { name: 'by-tier' }, spec: { maxUnavailable: 1, selector: { matchLabels: { tier: 'data' } } } },
    });
    const failure = await apiFailure(evict(core, 'db-0'));
    expect(failure.code).toBe(500);
    expect(failure.status.message).toBe(
      'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
    );
  });

  it('evicts pods without a budget, and pending pods regardless of one', async () => {
    const { core, policy } = await start();
    await core.createNamespacedPod({ namespace: 'work', body: pod('free', { app: 'free' }) });
    await core.createNamespacedPod({
      namespace: 'work',
      body: {
        metadata: { name: 'unscheduled', labels: { app: 'guarded' } },
        spec: { containers: [{ name: 'main', image: 'busybox' }] },
      },
    });
    await policy.createNamespacedPodDisruptionBudget({
      namespace: 'work',
      body: {
        metadata: { name: 'guarded' },
        spec: { maxUnavailable: 0, selector: { matchLabels: { app: 'guarded' } } },
      },
    });
    await evict(core, 'free');
    await evict(core, 'unscheduled');
    expect(
      (await core.readNamespacedPod({ name: 'free', namespace: 'work' })).metadata?.deletionTimestamp,
    ).toBeInstanceOf(Date);
    expect((await apiFailure(core.readNamespacedPod({ name: 'unscheduled', namespace: 'work' }))).code).toBe(404);
    expect((await apiFailure(evict(core, 'missing'))).code).toBe(404);
  });

  it('removes a deleted pod after its grace period of simulated time', async () => {
    const { core } = await start({ timeScale: 200 });
    await core.createNamespacedPod({ namespace: 'work', body: pod('graceful', { app: 'g' }) });
    const deleted = await core.deleteNamespacedPod({ name: 'graceful', namespace: 'work', gracePeriodSeconds: 10 });
    expect(deleted.metadata?.deletionGracePeriodSeconds).toBe(10);
    expect(
      (await core.readNamespacedPod({ name: 'graceful', namespace: 'work' })).metadata?.deletionTimestamp,
    ).toBeInstanceOf(Date);
    const gone = await eventually(async () => {
      const result = await core.listNamespacedPod({ namespace: 'work', fieldSelector: 'metadata.name=graceful' });
      return result.items.length === 0 ? true : undefined;
    });
    expect(gone).toBe(true);
  });

  it('deletes at once with gracePeriodSeconds=0 (force delete)', async () => {
    const { core } = await start();
    await core.createNamespacedPod({ namespace: 'work', body: pod('forced', { app: 'f' }) });
    await core.deleteNamespacedPod({ name: 'forced', namespace: 'work', gracePeriodSeconds: 0 });
    expect((await apiFailure(core.readNamespacedPod({ name: 'forced', namespace: 'work' }))).code).toBe(404);
  });

  it('honours dryRun on eviction: nothing is deleted and the budget is untouched', async () => {
    const { core, policy } = await start();
    await core.createNamespacedPod({ namespace: 'work', body: pod('dry', { app: 'dry' }) });
    await policy.createNamespacedPodDisruptionBudget({
      namespace: 'work',
      body: { metadata: { name: 'dry' }, spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'dry' } } } },
    });
    await core.createNamespacedPodEviction({
      name: 'dry',
      namespace: 'work',
      body: { metadata: { name: 'dry' }, deleteOptions: { dryRun: ['All'] } },
    });
    expect(
      (await core.readNamespacedPod({ name: 'dry', namespace: 'work' })).metadata?.deletionTimestamp,
    ).toBeUndefined();
    const budget = await policy.readNamespacedPodDisruptionBudget({ name: 'dry', namespace: 'work' });
    expect(budget.status?.disruptionsAllowed).toBe(1);
  });
});
