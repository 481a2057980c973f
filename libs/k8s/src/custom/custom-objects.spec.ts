import { type Middleware, type RequestContext } from '@kubernetes/client-node';
import type { KubeObject } from '@nvsentinel/cluster-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectChange } from '../informers/resilient-informer.js';
import { ManualClock, settle } from '../testing/manual-clock.js';
import { type SimClient, clientFor, eventually, startSimClient } from '../testing/sim.js';
import { type CustomObject, CustomObjectOps, type CustomResourceRef, watchCustomObjects } from './custom-objects.js';

const GROUP = 'janitor.dgxc.nvidia.com';
const rebootNodes: CustomResourceRef = { group: GROUP, version: 'v1alpha1', plural: 'rebootnodes' };
const drains: CustomResourceRef = {
  group: 'drain.example.com',
  version: 'v1',
  plural: 'nodedrains',
  namespace: 'nvsentinel',
};

function crd(
  group: string,
  plural: string,
  kind: string,
  scope: 'Cluster' | 'Namespaced',
  version: string,
): KubeObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope,
      names: { plural, kind, singular: kind.toLowerCase() },
      versions: [
        {
          name: version,
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        },
      ],
    },
  };
}

const reboot = (name: string, nodeName = name): CustomObject => ({
  apiVersion: `${GROUP}/v1alpha1`,
  kind: 'RebootNode',
  metadata: { name, labels: { 'app.kubernetes.io/managed-by': 'nvsentinel' } },
  spec: { nodeName, force: false },
});

describe('custom objects against the simulator', () => {
  let env: SimClient;
  let ops: CustomObjectOps;

  beforeAll(async () => {
    env = await startSimClient({
      nodes: 1,
      podsPerNode: 0,
      daemonSets: false,
      namespaces: ['nvsentinel'],
      historySize: 5,
      objects: [
        crd(GROUP, 'rebootnodes', 'RebootNode', 'Cluster', 'v1alpha1'),
        crd('drain.example.com', 'nodedrains', 'NodeDrain', 'Namespaced', 'v1'),
      ],
    });
    ops = new CustomObjectOps(env.client);
  });
  afterAll(() => env.sim.close());

  it('creates idempotently: a replay returns the existing object', async () => {
    const first = await ops.create(rebootNodes, reboot('maintenance-gpu-node-0-abc'));
    expect(first.created).toBe(true);
    expect(first.object.metadata?.uid).toBeDefined();
    const replay = await ops.create(rebootNodes, reboot('maintenance-gpu-node-0-abc'));
    expect(replay).toMatchObject({ created: false, object: { metadata: { uid: first.object.metadata?.uid } } });
    await expect(
      ops.create(rebootNodes, reboot('maintenance-gpu-node-0-abc'), { ifExists: 'throw' }),
    ).rejects.toMatchObject({ code: 'NVS_ERR_K8S_ALREADY_EXISTS' });
    expect(await ops.get(rebootNodes, 'missing')).toBeUndefined();
  });

  it('patches the status subresource without touching spec, in both scopes', async () => {
    await ops.create(rebootNodes, reboot('r-status'));
    const patched = await ops.patchStatus(rebootNodes, 'r-status', {
      conditions: [{ type: 'SignalSent', status: 'True', reason: 'Succeeded' }],
    });
    expect(patched.spec).toEqual({ nodeName: 'r-status', force: false });
    expect(patched.status).toMatchObject({ conditions: [{ type: 'SignalSent', status: 'True' }] });

    await ops.create(drains, {
      apiVersion: 'drain.example.com/v1',
      kind: 'NodeDrain',
      metadata: { name: 'drain-gpu-node-0' },
      spec: { nodeName: 'gpu-node-0' },
    });
    await ops.patchStatus(drains, 'drain-gpu-node-0', { phase: 'Done' });
    expect((await ops.get(drains, 'drain-gpu-node-0'))?.status).toEqual({ phase: 'Done' });
    expect((await ops.list(drains)).items).toHaveLength(1);
  });

  it('merge-patches metadata: a list in the patch replaces the stored one; a missing object is NotFound', async () => {
    const owner = (uid: string) => [{ apiVersion: 'v1', kind: 'Node', name: 'gpu-node-0', uid }];
    await ops.create(rebootNodes, {
      ...reboot('r-owner'),
      metadata: { name: 'r-owner', ownerReferences: owner('old') },
    });
    const patched = await ops.patch(rebootNodes, 'r-owner', { metadata: { ownerReferences: owner('new') } });
    expect(patched.metadata?.ownerReferences).toEqual(owner('new'));
    expect(patched.spec).toEqual({ nodeName: 'r-owner', force: false });
    await expect(ops.patch(rebootNodes, 'missing', { metadata: { labels: { a: 'b' } } })).rejects.toMatchObject({
      code: 'NVS_ERR_K8S_NOT_FOUND',
    });
  });

  it('patchStatus with a stale resourceVersion conflicts; updateStatus re-reads and re-applies', async () => {
    const { object } = await ops.create(rebootNodes, reboot('r-conflict'));
    await ops.patchStatus(rebootNodes, 'r-conflict', { startTime: '2026-11-21T10:00:00Z' });
    await expect(
      ops.patchStatus(rebootNodes, 'r-conflict', { phase: 'x' }, object.metadata?.resourceVersion),
    ).rejects.toMatchObject({ code: 'NVS_ERR_K8S_CONFLICT' });

    // A concurrent writer sneaks in before our first status patch.
    let raced = false;
    const racer: Middleware = {
      async pre(context: RequestContext) {
        if (
          !raced &&
          context.getHttpMethod().toString() === 'PATCH' &&
          context.getUrl().includes('/r-conflict/status')
        ) {
          raced = true;
          await ops.patchStatus(rebootNodes, 'r-conflict', { conditions: [{ type: 'SignalSent', status: 'True' }] });
        }
        return context;
      },
      post: async (response) => response,
    };
    const { client, requests } = clientFor(env.sim, { middleware: [racer] });
    const updated = await new CustomObjectOps(client).updateStatus<
      CustomObject<Record<string, unknown>, { conditions?: Array<{ type: string }> }>
    >(rebootNodes, 'r-conflict', (current) => ({
      conditions: [...(current.status?.conditions ?? []), { type: 'NodeReady', status: 'True' }],
    }));
    expect(updated.status?.conditions?.map((c) => c.type)).toEqual(['SignalSent', 'NodeReady']);
    expect(requests.count('patch', 'rebootnodes/status', 409)).toBe(1);
  });

  it('deletes, answering false when already gone', async () => {
    await ops.create(rebootNodes, reboot('r-delete'));
    expect(await ops.delete(rebootNodes, 'r-delete')).toBe(true);
    expect(await ops.delete(rebootNodes, 'r-delete')).toBe(false);
  });

  it('watches: initial list as adds, then changes; after a gap beyond history (410) it re-lists and reports what was missed', async () => {
    const clock = new ManualClock();
    // One token per simulated second: the watch cannot reopen until the test advances the clock,
    // which lets us open a gap larger than the simulator's 5-change history.
    const { client, requests } = clientFor(env.sim, { qps: 1, burst: 1, clock });
    const seen: Array<ObjectChange<CustomObject>> = [];
    const errors: string[] = [];
    const watch = watchCustomObjects(client, rebootNodes, (change) => seen.push(change), {
      clock,
      onError: (e) => errors.push(e.code),
    });
    await watch.waitForSync();
    const initial = watch.list().map((o) => o.metadata?.name);
    expect(initial).toContain('r-status');
    expect(seen.filter((c) => c.type === 'add')).toHaveLength(initial.length);

    // While the watch waits for its token, the world moves on by more than the history holds.
    await ops.delete(rebootNodes, 'r-status');
    for (let i = 0; i < 6; i++) await ops.create(rebootNodes, reboot(`r-gap-${i}`));

    await clock.advance(1_000); // the watch opens at the stale resourceVersion → 410 → re-list
    await settle(10);
    await clock.advance(1_000); // token for the re-list
    await eventually(() => (watch.get('r-gap-5') ? true : undefined), 'cache caught up after 410');
    expect(requests.count('list', 'rebootnodes')).toBe(2);
    expect(seen.find((c) => c.type === 'delete' && c.object.metadata?.name === 'r-status')).toBeDefined();
    expect(seen.filter((c) => c.type === 'add' && c.object.metadata?.name?.startsWith('r-gap-'))).toHaveLength(6);

    // Live changes arrive over the re-opened watch.
    await clock.advance(1_000);
    await eventually(() => (requests.count('watch', 'rebootnodes') >= 2 ? true : undefined), 'watch reopened');
    await ops.patchStatus(rebootNodes, 'r-gap-0', { phase: 'Done' });
    const update = await eventually(
      () => seen.find((c) => c.type === 'update' && c.object.metadata?.name === 'r-gap-0'),
      'update event',
    );
    expect(update.previous?.status).toBeUndefined();
    expect(update.object.status).toEqual({ phase: 'Done' });
    expect(errors).toEqual([]); // 410 is handled by re-listing, not reported as a failure
    await watch.stop();
  });
});
