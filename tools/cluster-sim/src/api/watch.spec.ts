import {
  CoreV1Api,
  KubeConfig,
  Watch,
  makeInformer,
  PatchStrategy,
  setHeaderOptions,
  type V1Node,
} from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterSim, ClusterSimOptions } from '../start-cluster-sim.js';
import { eventually, startWithClient } from '../testing/client.js';

interface Seen {
  type: string;
  name?: string;
  resourceVersion?: string;
  code?: number;
}

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

describe('watch', () => {
  let sim: ClusterSim | undefined;
  const controllers: AbortController[] = [];

  async function start(options: ClusterSimOptions = {}): Promise<{ kc: KubeConfig; core: CoreV1Api }> {
    const started = await startWithClient(options);
    sim = started.sim;
    return { kc: started.kc, core: started.kc.makeApiClient(CoreV1Api) };
  }

  async function watchInto(
    kc: KubeConfig,
    path: string,
    query: Record<string, string | number | boolean | undefined>,
    seen: Seen[],
    onDone?: (error: unknown) => void,
  ): Promise<AbortController> {
    const controller = await new Watch(kc).watch(
      path,
      query,
      (type, object: { metadata?: { name?: string; resourceVersion?: string }; code?: number }) => {
        seen.push({
          type,
          name: object.metadata?.name,
          resourceVersion: object.metadata?.resourceVersion,
          code: object.code,
        });
      },
      (error) => onDone?.(error),
    );
    controllers.push(controller);
    return controller;
  }

  afterEach(async () => {
    for (const controller of controllers.splice(0)) controller.abort();
    await sim?.close();
    sim = undefined;
  });

  it('streams ADDED, MODIFIED and DELETED after the list resourceVersion', async () => {
    const { kc, core } = await start();
    const list = await core.listNamespacedConfigMap({ namespace: 'default' });
    const seen: Seen[] = [];
    await watchInto(
      kc,
      '/api/v1/namespaces/default/configmaps',
      { resourceVersion: list.metadata?.resourceVersion },
      seen,
    );
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'w' } } });
    await core.patchNamespacedConfigMap({ name: 'w', namespace: 'default', body: { data: { k: 'v' } } }, merge);
    await core.deleteNamespacedConfigMap({ name: 'w', namespace: 'default' });
    await eventually(() => (seen.length >= 3 ? true : undefined));
    expect(seen.map((event) => `${event.type} ${event.name}`)).toEqual(['ADDED w', 'MODIFIED w', 'DELETED w']);
    const versions = seen.map((event) => Number(event.resourceVersion));
    expect([...versions].sort((a, b) => a - b)).toEqual(versions);
  });

  it('without a resourceVersion, starts with the current objects as ADDED', async () => {
    const { kc } = await start({ nodes: 3, podsPerNode: 0, daemonSets: false });
    const seen: Seen[] = [];
    await watchInto(kc, '/api/v1/nodes', {}, seen);
    await eventually(() => (seen.length >= 3 ? true : undefined));
    expect(seen.map((event) => `${event.type} ${event.name}`)).toEqual([
      'ADDED gpu-node-0',
      'ADDED gpu-node-1',
      'ADDED gpu-node-2',
    ]);
  });

  it('resumes from the last seen resourceVersion without losing changes made while disconnected', async () => {
    const { kc, core } = await start();
    const first: Seen[] = [];
    const list = await core.listNamespacedConfigMap({ namespace: 'default' });
    const controller = await watchInto(
      kc,
      '/api/v1/namespaces/default/configmaps',
      { resourceVersion: list.metadata?.resourceVersion },
      first,
    );
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'before' } } });
    await eventually(() => (first.length === 1 ? true : undefined));
    controller.abort();
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'while-away-1' } } });
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'while-away-2' } } });
    const resumed: Seen[] = [];
    await watchInto(
      kc,
      '/api/v1/namespaces/default/configmaps',
      { resourceVersion: first[0]!.resourceVersion },
      resumed,
    );
    await eventually(() => (resumed.length >= 2 ? true : undefined));
    expect(resumed.map((event) => `${event.type} ${event.name}`)).toEqual(['ADDED while-away-1', 'ADDED while-away-2']);
  });

  it('answers a compacted resourceVersion with an ERROR event carrying 410 Expired, then ends the stream', async () => {
    const { kc, core } = await start({ historySize: 3 });
    const old = (await core.listNamespacedConfigMap({ namespace: 'default' })).metadata?.resourceVersion;
    for (let i = 0; i < 5; i += 1)
      await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: `c${i}` } } });
    const seen: Seen[] = [];
    let ended = false;
    await watchInto(kc, '/api/v1/namespaces/default/configmaps', { resourceVersion: old }, seen, () => (ended = true));
    await eventually(() => (ended ? true : undefined));
    expect(seen).toEqual([{ type: 'ERROR', name: undefined, resourceVersion: undefined, code: 410 }]);
  });

  it('answers a resourceVersion from the future (a restarted simulator) with 410 too, so informers re-list', async () => {
    const { kc, core } = await start();
    const current = Number((await core.listNamespacedConfigMap({ namespace: 'default' })).metadata?.resourceVersion);
    const seen: Seen[] = [];
    let ended = false;
    await watchInto(
      kc,
      '/api/v1/namespaces/default/configmaps',
      { resourceVersion: String(current + 1000) },
      seen,
      () => (ended = true),
    );
    await eventually(() => (ended ? true : undefined));
    expect(seen).toEqual([{ type: 'ERROR', name: undefined, resourceVersion: undefined, code: 410 }]);
  });

  it('sends BOOKMARK events with the current resourceVersion when asked', async () => {
    const { kc, core } = await start({ bookmarkIntervalMs: 20 });
    const seen: Seen[] = [];
    const rv = (await core.listNamespacedConfigMap({ namespace: 'default' })).metadata?.resourceVersion;
    await watchInto(
      kc,
      '/api/v1/namespaces/default/configmaps',
      { resourceVersion: rv, allowWatchBookmarks: true },
      seen,
    );
    await core.createNamespace({ body: { metadata: { name: 'elsewhere' } } });
    const bookmark = await eventually(() =>
      seen.find((event) => event.type === 'BOOKMARK' && Number(event.resourceVersion) > Number(rv)),
    );
    expect(Number(bookmark.resourceVersion)).toBe(Number(sim!.state.resourceVersion));
  });

  it('turns a change that leaves the label selector into DELETED and one that enters it into ADDED', async () => {
    const { kc, core } = await start();
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'mover', labels: { watched: 'yes' } } },
    });
    const seen: Seen[] = [];
    await watchInto(kc, '/api/v1/namespaces/default/configmaps', { labelSelector: 'watched=yes' }, seen);
    await eventually(() => (seen.length === 1 ? true : undefined));
    await core.patchNamespacedConfigMap(
      { name: 'mover', namespace: 'default', body: { metadata: { labels: { watched: 'no' } } } },
      merge,
    );
    await core.patchNamespacedConfigMap(
      { name: 'mover', namespace: 'default', body: { metadata: { labels: { watched: 'yes' } } } },
      merge,
    );
    await eventually(() => (seen.length >= 3 ? true : undefined));
    expect(seen.map((event) => event.type)).toEqual(['ADDED', 'DELETED', 'ADDED']);
  });

  it('drives a makeInformer cache through add, update, delete and a 410 re-list', async () => {
    const { kc, core } = await start({ nodes: 2, podsPerNode: 0, daemonSets: false, historySize: 4 });
    const informer = makeInformer<V1Node>(kc, '/api/v1/nodes', () => core.listNode());
    const log: string[] = [];
    informer.on('add', (node) => log.push(`add ${node.metadata?.name}`));
    informer.on('update', (node) => log.push(`update ${node.metadata?.name} ${node.spec?.unschedulable ?? false}`));
    informer.on('delete', (node) => log.push(`delete ${node.metadata?.name}`));
    await informer.start();
    await eventually(() => (log.length === 2 ? true : undefined));

    await core.patchNode({ name: 'gpu-node-1', body: { spec: { unschedulable: true } } }, merge);
    await eventually(() => (log.includes('update gpu-node-1 true') ? true : undefined));

    await informer.stop();
    // While stopped: enough changes to push the informer's resourceVersion out of the history.
    await core.deleteNode({ name: 'gpu-node-0' });
    for (let i = 0; i < 5; i += 1) await core.createNode({ body: { metadata: { name: `extra-${i}` } } });
    await informer.start();
    await eventually(() => (informer.list().length === 6 ? true : undefined));
    expect(
      informer
        .list()
        .map((node) => node.metadata?.name)
        .sort(),
    ).toEqual(['extra-0', 'extra-1', 'extra-2', 'extra-3', 'extra-4', 'gpu-node-1']);
    expect(log).toContain('delete gpu-node-0');
    await informer.stop();
  });
});
