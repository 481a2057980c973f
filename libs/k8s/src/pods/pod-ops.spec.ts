import { PatchStrategy, type V1Pod, setHeaderOptions } from '@kubernetes/client-node';
import type { KubeObject } from '@nvsentinel/cluster-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestRecord } from '../client/request-metrics.js';
import { type SimClient, clientFor, eventually, startSimClient } from '../testing/sim.js';
import { PodOps } from './pod-ops.js';
import { isDaemonSetPod, isStuckTerminating, isTerminal } from './pod-predicates.js';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const fastBackoff = { initialMs: 20, maxMs: 100, factor: 2, jitter: 0 };

function pod(name: string, namespace: string, node: string, app: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: { app } },
    spec: {
      nodeName: node,
      terminationGracePeriodSeconds: 30,
      containers: [{ name: 'main', image: 'registry.example.com/web:1' }],
    },
  };
}

describe('PodOps against the simulator', () => {
  let env: SimClient;
  let ops: PodOps;

  beforeAll(async () => {
    env = await startSimClient({
      nodes: 2,
      podsPerNode: 2,
      namespaces: ['web', 'shared'],
      objects: [
        pod('web-0', 'web', 'gpu-node-0', 'web'),
        pod('web-1', 'web', 'gpu-node-0', 'web'),
        {
          apiVersion: 'policy/v1',
          kind: 'PodDisruptionBudget',
          metadata: { name: 'web', namespace: 'web' },
          spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } } },
        },
        pod('double-0', 'shared', 'gpu-node-1', 'double'),
        ...['a', 'b'].map((n) => ({
          apiVersion: 'policy/v1',
          kind: 'PodDisruptionBudget',
          metadata: { name: `double-${n}`, namespace: 'shared' },
          spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'double' } } },
        })),
        pod('free-0', 'shared', 'gpu-node-1', 'free'),
        pod('free-1', 'shared', 'gpu-node-1', 'free'),
      ],
    });
    ops = new PodOps(env.client, { evictionBackoff: fastBackoff });
  });
  afterAll(() => env.sim.close());

  it('lists the pods on a node by field selector, optionally narrowed by labels', async () => {
    const all = await ops.listPodsOnNode('gpu-node-0');
    expect(all.every((p) => p.spec?.nodeName === 'gpu-node-0')).toBe(true);
    expect(all.map((p) => p.metadata?.name)).toEqual(expect.arrayContaining(['web-0', 'web-1']));
    expect(all.filter(isDaemonSetPod).map((p) => p.metadata?.namespace)).toEqual(['gpu-operator', 'gpu-operator']);
    const web = await ops.listPodsOnNode('gpu-node-0', { labelSelector: 'app=web' });
    expect(web.map((p) => p.metadata?.name).sort()).toEqual(['web-0', 'web-1']);
    expect(await ops.listPodsOnNode('gpu-node-0', { namespace: 'shared' })).toEqual([]);
    // The full list carries the resourceVersion a watch continues from.
    const list = await ops.podListOnNode('gpu-node-0');
    expect(list.items.map((p) => p.metadata?.name).sort()).toEqual(all.map((p) => p.metadata?.name).sort());
    expect(list.metadata?.resourceVersion).toMatch(/^\d+$/);
  });

  it('evicts a pod without a budget; it then terminates for its grace period', async () => {
    const [target] = await ops.listPodsOnNode('gpu-node-1', { labelSelector: 'app=free' });
    expect(await ops.evictPod(target, { gracePeriodSeconds: 600 })).toEqual({ outcome: 'evicted', attempts: 1 });
    const terminating = await env.client.core.readNamespacedPod({ name: target.metadata!.name!, namespace: 'shared' });
    expect(terminating.metadata?.deletionTimestamp).toBeDefined();
    const deadline = new Date(terminating.metadata!.deletionTimestamp!);
    expect(isStuckTerminating(terminating, new Date(deadline.getTime() - 1000))).toBe(false);
    expect(isStuckTerminating(terminating, new Date(deadline.getTime() + 1000))).toBe(true);
    expect(isStuckTerminating(terminating, new Date(deadline.getTime() + 1000), 60)).toBe(false);
  });

  it('answers not-found for a missing pod and for a same-named replacement (UID precondition)', async () => {
    expect((await ops.evictPod({ namespace: 'shared', name: 'nope' })).outcome).toBe('not-found');
    const current = await env.client.core.readNamespacedPod({ name: 'free-1', namespace: 'shared' });
    const stale: V1Pod = { ...current, metadata: { ...current.metadata, uid: '00000000-0000-0000-0000-000000000000' } };
    expect((await ops.evictPod(stale)).outcome).toBe('not-found');
    expect(await ops.deletePod(stale)).toBe(false);
  });

  it('returns blocked-by-pdb when the budget never allows the eviction before the deadline', async () => {
    const result = await ops.evictPod({ namespace: 'web', name: 'web-0' }, { deadlineMs: 100 });
    expect(result.outcome).toBe('blocked-by-pdb');
    expect(result.attempts).toBeGreaterThan(1);
    if (result.outcome === 'blocked-by-pdb') expect(result.error.message).toMatch(/disruption budget/);
  });

  it('keeps retrying a PDB-blocked eviction and succeeds once the budget allows it', async () => {
    let relaxed = false;
    const { client, requests } = clientFor(env.sim, {
      metrics: {
        onRequest(record: RequestRecord) {
          // The first 429 is our cue to play the operator who relaxes the budget.
          if (!relaxed && record.resource === 'pods/eviction' && record.statusCode === 429) {
            relaxed = true;
            void env.other.policy.patchNamespacedPodDisruptionBudget(
              { name: 'web', namespace: 'web', body: { spec: { minAvailable: 1 } } },
              mergePatch,
            );
          }
        },
      },
    });
    const result = await new PodOps(client, { evictionBackoff: fastBackoff }).evictPod(
      { namespace: 'web', name: 'web-0' },
      { deadlineMs: 30_000 },
    );
    expect(result.outcome).toBe('evicted');
    expect(result.attempts).toBeGreaterThan(1);
    expect(requests.count('create', 'pods/eviction', 429)).toBe(result.attempts - 1);
    // With web-0 gone from the healthy count the budget blocks its sibling again.
    expect((await ops.evictPod({ namespace: 'web', name: 'web-1' }, { deadlineMs: 0 })).outcome).toBe('blocked-by-pdb');
  });

  it("honours the server's Retry-After: a hint beyond the deadline ends the retries at once", async () => {
    env.sim.injectFault({
      method: 'POST',
      path: '/pods/free-1/eviction',
      status: 429,
      retryAfterSeconds: 30,
      times: 1,
    });
    const result = await ops.evictPod({ namespace: 'shared', name: 'free-1' }, { deadlineMs: 5_000 });
    expect(result).toMatchObject({ outcome: 'blocked-by-pdb', attempts: 1 });
    if (result.outcome === 'blocked-by-pdb') expect(result.error.retryAfterSeconds).toBe(30);
  });

  it('reports an error (not a retry loop) when two budgets select the pod', async () => {
    const result = await ops.evictPod({ namespace: 'shared', name: 'double-0' }, { deadlineMs: 10_000 });
    expect(result.outcome).toBe('error');
    expect(result.attempts).toBe(1);
    if (result.outcome === 'error') expect(result.error.statusCode).toBe(500);
  });

  it('dry-run evictions and deletes change nothing', async () => {
    expect((await ops.evictPod({ namespace: 'shared', name: 'free-1' }, { dryRun: true })).outcome).toBe('evicted');
    expect(await ops.deletePod({ namespace: 'shared', name: 'free-1' }, { dryRun: true })).toBe(true);
    const still = await env.client.core.readNamespacedPod({ name: 'free-1', namespace: 'shared' });
    expect(still.metadata?.deletionTimestamp).toBeUndefined();
  });

  it('force-deletes a pod immediately, bypassing its budget; deleting again says it is gone', async () => {
    expect(await ops.deletePod({ namespace: 'shared', name: 'double-0' }, { force: true })).toBe(true);
    await eventually(
      async () =>
        (await ops.listPodsOnNode('gpu-node-1', { labelSelector: 'app=double' })).length === 0 ? true : undefined,
      'pod removed',
    );
    expect(await ops.deletePod({ namespace: 'shared', name: 'double-0' })).toBe(false);
  });
});

describe('pod predicates', () => {
  it('recognises DaemonSet pods and terminal phases', () => {
    expect(
      isDaemonSetPod({
        metadata: {
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'x', uid: 'u', controller: true }],
        },
      }),
    ).toBe(true);
    expect(
      isDaemonSetPod({ metadata: { ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'x', uid: 'u' }] } }),
    ).toBe(false);
    expect(isTerminal({ status: { phase: 'Succeeded' } })).toBe(true);
    expect(isTerminal({ status: { phase: 'Failed' } })).toBe(true);
    expect(isTerminal({ status: { phase: 'Running' } })).toBe(false);
    expect(isStuckTerminating({ metadata: {} })).toBe(false);
  });
});
