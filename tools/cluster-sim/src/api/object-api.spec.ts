import { KubernetesObjectApi, PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterSim } from '../start-cluster-sim.js';
import { apiFailure, startWithClient } from '../testing/client.js';

describe('KubernetesObjectApi (discovery-driven generic client)', () => {
  let sim: ClusterSim;
  let objects: KubernetesObjectApi;

  beforeAll(async () => {
    const started = await startWithClient({ nodes: 1, podsPerNode: 0, daemonSets: false, namespaces: ['nvsentinel'] });
    sim = started.sim;
    objects = KubernetesObjectApi.makeApiClient(started.kc);
  });
  afterAll(() => sim.close());

  it('creates, reads, patches and deletes built-in and custom objects by apiVersion/kind', async () => {
    const configMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'generic', namespace: 'nvsentinel' },
      data: { a: '1' },
    };
    await objects.create(configMap);
    const patched = await objects.patch(
      { ...configMap, data: { b: '2' } },
      undefined,
      undefined,
      undefined,
      undefined,
      PatchStrategy.MergePatch,
    );
    expect((patched as KubernetesObject & { data: Record<string, string> }).data).toEqual({ a: '1', b: '2' });

    await objects.create({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'drainrequests.drain.example.com' },
      spec: {
        group: 'drain.example.com',
        scope: 'Namespaced',
        names: { plural: 'drainrequests', singular: 'drainrequest', kind: 'DrainRequest' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: { openAPIV3Schema: { type: 'object' } },
            subresources: { status: {} },
          },
        ],
      },
    } as KubernetesObject);
    const request = {
      apiVersion: 'drain.example.com/v1',
      kind: 'DrainRequest',
      metadata: { name: 'drain-gpu-node-0', namespace: 'nvsentinel' },
      spec: { nodeName: 'gpu-node-0' },
    };
    await objects.create(request);
    const read = await objects.read({
      apiVersion: request.apiVersion,
      kind: request.kind,
      metadata: { name: 'drain-gpu-node-0', namespace: 'nvsentinel' },
    });
    expect((read as KubernetesObject & { spec: { nodeName: string } }).spec.nodeName).toBe('gpu-node-0');
    const list = await objects.list('drain.example.com/v1', 'DrainRequest', 'nvsentinel');
    expect(list.items.map((item) => item.metadata?.name)).toEqual(['drain-gpu-node-0']);
    await objects.delete(request);
    expect((await apiFailure(objects.read(request))).code).toBe(404);
  });
});
