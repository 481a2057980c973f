import { CoreV1Api, PatchStrategy, Watch, makeInformer, setHeaderOptions, type V1Node } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterSim } from '../start-cluster-sim.js';
import { apiFailure, eventually, startWithClient } from '../testing/client.js';
import type { KubeConfig } from '@kubernetes/client-node';

describe('test controls: injected faults, dropped watches, compaction', () => {
  let sim: ClusterSim;
  let kc: KubeConfig;
  let core: CoreV1Api;

  beforeAll(async () => {
    const started = await startWithClient({ nodes: 2, podsPerNode: 0, daemonSets: false });
    sim = started.sim;
    kc = started.kc;
    core = kc.makeApiClient(CoreV1Api);
  });
  afterAll(() => sim.close());

  it('fails exactly the requested number of matching requests with a Status body', async () => {
    sim.injectFault({ method: 'PATCH', path: '/api/v1/nodes/gpu-node-0', status: 429, times: 2, retryAfterSeconds: 1 });
    const patch = () =>
      core.patchNode(
        { name: 'gpu-node-0', body: { metadata: { labels: { try: 'x' } } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    const first = await apiFailure(patch());
    expect(first.code).toBe(429);
    expect(first.status).toMatchObject({
      kind: 'Status',
      reason: 'TooManyRequests',
      details: { retryAfterSeconds: 1 },
    });
    expect((await apiFailure(patch())).code).toBe(429);
    await core.readNode({ name: 'gpu-node-1' });
    const node = await patch();
    expect(node.metadata?.labels?.try).toBe('x');
  });

  it('can remove a fault before it fires', async () => {
    const remove = sim.injectFault({ path: /\/api\/v1\/nodes$/, status: 500 });
    remove();
    expect((await core.listNode()).items).toHaveLength(2);
  });

  it('ends watch streams on disconnectWatches, and an informer resumes without losing changes', async () => {
    const informer = makeInformer<V1Node>(kc, '/api/v1/nodes', () => core.listNode());
    let connects = 0;
    informer.on('connect', () => (connects += 1));
    await informer.start();
    await eventually(() => (informer.list().length === 2 ? true : undefined));
    sim.disconnectWatches();
    await core.createNode({ body: { metadata: { name: 'after-drop' } } });
    await eventually(() => (informer.get('after-drop') ? true : undefined));
    expect(connects).toBeGreaterThanOrEqual(2);
    await informer.stop();
  });

  it('makes older resourceVersions expire after compactHistory', async () => {
    const rv = (await core.listNode()).metadata?.resourceVersion;
    await core.createNode({ body: { metadata: { name: 'post-rv' } } });
    sim.compactHistory();
    const seen: { type: string; code?: number }[] = [];
    let done = false;
    await new Watch(kc).watch(
      '/api/v1/nodes',
      { resourceVersion: rv },
      (type, object: { code?: number }) => seen.push({ type, code: object.code }),
      () => (done = true),
    );
    await eventually(() => (done ? true : undefined));
    expect(seen).toEqual([{ type: 'ERROR', code: 410 }]);
  });
});
