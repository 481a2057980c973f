import { type Middleware } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { ManualClock, settle } from '../testing/manual-clock.js';
import { type SimClient, clientFor, eventually, startSimClient } from '../testing/sim.js';
import { NodeCache, type NodeChange } from './node-cache.js';
import { NodeOps } from './node-ops.js';

describe('NodeCache against the simulator', () => {
  let env: SimClient;
  beforeAll(async () => {
    env = await startSimClient({
      nodes: [
        { name: 'gpu-a' },
        { name: 'gpu-b', labels: { pool: 'training' } },
        { name: 'cpu-c', labels: { 'nvidia.com/gpu.present': 'false' } },
      ],
      podsPerNode: 0,
      daemonSets: false,
    });
  });
  afterAll(() => env.sim.close());

  it('serves the scoped nodes from memory and follows changes with the previous object', async () => {
    const cache = new NodeCache(env.client, { labelSelector: { 'nvidia.com/gpu.present': 'true' } }).start();
    const changes: NodeChange[] = [];
    cache.onChange((c) => changes.push(c));
    await cache.waitForSync();
    expect(
      cache
        .list()
        .map((n) => n.metadata?.name)
        .sort(),
    ).toEqual(['gpu-a', 'gpu-b']);
    expect(cache.get('cpu-c')).toBeUndefined();
    expect(cache.list('pool=training').map((n) => n.metadata?.name)).toEqual(['gpu-b']);
    expect(cache.get('gpu-a')?.metadata?.creationTimestamp).toBeInstanceOf(Date);

    const reads = env.requests.count('get', 'nodes');
    cache.get('gpu-a');
    cache.list();
    expect(env.requests.count('get', 'nodes')).toBe(reads); // no API calls for reads

    await new NodeOps(env.other).cordon('gpu-a');
    const update = await eventually(
      () => changes.find((c) => c.type === 'update' && c.object.metadata?.name === 'gpu-a'),
      'cordon seen',
    );
    expect(update.previous?.spec?.unschedulable).toBeUndefined();
    expect(update.object.spec?.unschedulable).toBe(true);
    // Typed like list results (Dates, not strings), although it came from the watch stream.
    expect(update.object.metadata?.creationTimestamp).toBeInstanceOf(Date);

    await env.other.core.deleteNode({ name: 'gpu-b' });
    const deleted = await eventually(() => changes.find((c) => c.type === 'delete'), 'delete seen');
    expect(deleted.object.metadata?.name).toBe('gpu-b');
    expect(cache.get('gpu-b')).toBeUndefined();
    await cache.stop();
  });

  it('waitForSync rejects when the cache is stopped before its first list', async () => {
    const { client } = clientFor(env.sim);
    onTestFinished(env.sim.injectFault({ method: 'GET', path: '/api/v1/nodes', status: 503, times: 1_000 }));
    const cache = new NodeCache(client, { backoff: { initialMs: 5, maxMs: 5, factor: 1, jitter: 0 } }).start();
    const waiting = cache.waitForSync();
    await cache.stop();
    await expect(waiting).rejects.toMatchObject({ code: 'NVS_ERR_K8S_ABORTED' });
  });

  it('restarts with backoff after a failed list and still syncs', async () => {
    let failures = 1;
    const failFirstList: Middleware = {
      pre: async (context) => {
        if (
          failures > 0 &&
          context.getHttpMethod().toString() === 'GET' &&
          new URL(context.getUrl()).pathname === '/api/v1/nodes'
        ) {
          failures--;
          context.setUrl(context.getUrl().replace('/api/v1/nodes', '/api/v1/nodez'));
        }
        return context;
      },
      post: async (response) => response,
    };
    const { client, requests } = clientFor(env.sim, { middleware: [failFirstList] });
    const errors: Array<{ code: string; delay: number }> = [];
    const cache = new NodeCache(client, {
      backoff: { initialMs: 10, maxMs: 50, factor: 2, jitter: 0 },
      onError: (e, delay) => errors.push({ code: e.code, delay }),
    }).start();
    await cache.waitForSync();
    expect(errors).toEqual([{ code: 'NVS_ERR_K8S_NOT_FOUND', delay: 10 }]);
    expect(requests.count('list', 'nodez', 404)).toBe(1);
    expect(cache.get('gpu-a')).toBeDefined();
    await cache.stop();
  });

  it('resumes a dropped watch from its resourceVersion without re-listing', async () => {
    const { client, requests } = clientFor(env.sim);
    const cache = new NodeCache(client).start();
    onTestFinished(() => cache.stop());
    await cache.waitForSync();
    await eventually(() => (requests.count('watch', 'nodes') === 1 ? true : undefined), 'watch open');

    env.sim.disconnectWatches(); // an API server restart, say
    await eventually(() => (requests.count('watch', 'nodes') === 2 ? true : undefined), 'watch reopened');
    await env.other.core.patchNode({
      name: 'gpu-a',
      body: [{ op: 'add', path: '/metadata/labels/resumed', value: 'yes' }],
    });
    await eventually(
      () => (cache.get('gpu-a')?.metadata?.labels?.resumed === 'yes' ? true : undefined),
      'change after resume',
    );
    expect(requests.count('list', 'nodes')).toBe(1);
  });

  it('re-lists after 410 Gone when it missed changes the server no longer keeps', async () => {
    // The manual clock holds the re-watch back (it needs a token), so changes pile up meanwhile.
    const clock = new ManualClock();
    const { client, requests } = clientFor(env.sim, { qps: 1, burst: 1, clock });
    const cache = new NodeCache(client).start();
    onTestFinished(() => cache.stop());
    const changes: NodeChange[] = [];
    cache.onChange((c) => changes.push(c));
    await cache.waitForSync();
    await clock.advance(1_000);
    await eventually(() => (requests.count('watch', 'nodes') === 1 ? true : undefined), 'watch open');

    env.sim.disconnectWatches();
    await env.other.core.patchNode({
      name: 'gpu-a',
      body: [{ op: 'add', path: '/metadata/labels/after-gap', value: 'yes' }],
    });
    await env.other.core.createNode({
      body: { metadata: { name: 'gpu-new', labels: { 'nvidia.com/gpu.present': 'true' } } },
    });
    env.sim.compactHistory();
    await clock.advance(1_000); // re-watch from the old resourceVersion → 410
    await settle(10);
    await clock.advance(1_000); // token for the re-list
    await eventually(() => (cache.get('gpu-new') ? true : undefined), 'caught up after 410');
    expect(cache.get('gpu-a')?.metadata?.labels?.['after-gap']).toBe('yes');
    expect(requests.count('list', 'nodes')).toBe(2);
    expect(changes.map((c) => `${c.type}:${c.object.metadata?.name}`)).toEqual(
      expect.arrayContaining(['update:gpu-a', 'add:gpu-new']),
    );
  });

  it('restarts with backoff when the watch itself fails', async () => {
    const { client, requests } = clientFor(env.sim);
    const errors: string[] = [];
    const cache = new NodeCache(client, {
      backoff: { initialMs: 10, maxMs: 50, factor: 2, jitter: 0 },
      onError: (e) => errors.push(e.code),
    }).start();
    onTestFinished(() => cache.stop());
    await cache.waitForSync();
    await eventually(() => (requests.count('watch', 'nodes') === 1 ? true : undefined), 'watch open');
    env.sim.injectFault({ method: 'GET', path: /\/api\/v1\/nodes\?.*watch=true/, status: 500, times: 2 });
    env.sim.disconnectWatches();
    await eventually(
      () => (requests.count('watch', 'nodes', 200) === 2 ? true : undefined),
      'watch back after two failures',
    );
    expect(errors).toEqual(['NVS_ERR_K8S_INTERNAL', 'NVS_ERR_K8S_INTERNAL']);
    await env.other.core.patchNode({
      name: 'gpu-a',
      body: [{ op: 'add', path: '/metadata/labels/after-failure', value: 'yes' }],
    });
    await eventually(
      () => (cache.get('gpu-a')?.metadata?.labels?.['after-failure'] === 'yes' ? true : undefined),
      'change seen',
    );
    await cache.stop();
  });
});
