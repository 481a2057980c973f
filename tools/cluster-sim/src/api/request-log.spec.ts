import {
  AuthenticationV1Api,
  CoordinationV1Api,
  CoreV1Api,
  PatchStrategy,
  Watch,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterSim } from '../start-cluster-sim.js';
import { eventually, startWithClient } from '../testing/client.js';

describe('the request log', () => {
  let sim: ClusterSim;
  let kc: KubeConfig;

  beforeAll(async () => {
    ({ sim, kc } = await startWithClient({
      nodes: 1,
      podsPerNode: 1,
      daemonSets: false,
      workloadNamespaces: ['ml-training'],
      namespaces: ['nvsentinel'],
    }));
  });
  afterAll(() => sim.close());

  it('records who called what as RBAC sees it: verb, group, resource with subresource, namespace, status', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const withAgent = setHeaderOptions('User-Agent', 'nvsentinel-test');
    const [pod] = sim.state.pods('gpu-node-0');
    sim.requests.clear();

    await core.listPodForAllNamespaces({}, withAgent);
    await core.readNode({ name: 'gpu-node-0' }, withAgent);
    await core.patchNodeStatus(
      { name: 'gpu-node-0', body: { status: { conditions: [] } } },
      {
        middleware: [
          ...(withAgent.middleware ?? []),
          ...(setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch).middleware ?? []),
        ],
      },
    );
    // The scenario's trainer PDB refuses this eviction: a refused call is still recorded, with its 429.
    await core
      .createNamespacedPodEviction(
        {
          name: pod!.metadata.name!,
          namespace: pod!.metadata.namespace!,
          body: { metadata: { name: pod!.metadata.name!, namespace: pod!.metadata.namespace! } },
        },
        withAgent,
      )
      .catch(() => undefined);
    await kc
      .makeApiClient(CoordinationV1Api)
      .readNamespacedLease({ name: 'missing', namespace: 'nvsentinel' }, withAgent)
      .catch(() => undefined);
    await kc
      .makeApiClient(AuthenticationV1Api)
      .createTokenReview(
        { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: 'x' } } },
        withAgent,
      );

    expect(
      sim.requests
        .of('nvsentinel-test')
        .map((r) => [r.verb, r.group, r.resource, r.namespace ?? '', r.name ?? '', r.code]),
    ).toEqual([
      ['list', '', 'pods', '', '', 200],
      ['get', '', 'nodes', '', 'gpu-node-0', 200],
      ['patch', '', 'nodes/status', '', 'gpu-node-0', 200],
      ['create', '', 'pods/eviction', 'ml-training', pod!.metadata.name, 429],
      ['get', 'coordination.k8s.io', 'leases', 'nvsentinel', 'missing', 404],
      ['create', 'authentication.k8s.io', 'tokenreviews', '', '', 201],
    ]);
  });

  it('tells a watch from a list and leaves discovery out', async () => {
    sim.requests.clear();
    const watch = new Watch(kc);
    const request = await watch.watch(
      '/api/v1/nodes',
      {},
      () => undefined,
      () => undefined,
    );
    await eventually(() => (sim.requests.records.length > 0 ? true : undefined));
    request.abort();
    await fetch(`${sim.url}/apis`);
    await fetch(`${sim.url}/api/v1`);
    expect(sim.requests.records.map((r) => [r.verb, r.resource])).toEqual([['watch', 'nodes']]);
  });
});
