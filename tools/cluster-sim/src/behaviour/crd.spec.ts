import {
  ApiextensionsV1Api,
  CustomObjectsApi,
  PatchStrategy,
  Watch,
  setHeaderOptions,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterSim } from '../start-cluster-sim.js';
import { apiFailure, eventually, startWithClient } from '../testing/client.js';

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const strategic = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);

function crd(
  plural: string,
  kind: string,
  scope: 'Cluster' | 'Namespaced',
  withStatus: boolean,
): V1CustomResourceDefinition {
  return {
    metadata: { name: `${plural}.janitor.dgxc.nvidia.com` },
    spec: {
      group: 'janitor.dgxc.nvidia.com',
      scope,
      names: { plural, singular: kind.toLowerCase(), kind, listKind: `${kind}List` },
      versions: [
        {
          name: 'v1alpha1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', x_kubernetes_preserve_unknown_fields: true } },
          ...(withStatus ? { subresources: { status: {} } } : {}),
        },
      ],
    },
  };
}

const group = 'janitor.dgxc.nvidia.com';
const version = 'v1alpha1';

describe('CustomResourceDefinitions', () => {
  let sim: ClusterSim;
  let extensions: ApiextensionsV1Api;
  let custom: CustomObjectsApi;
  let watch: Watch;

  beforeAll(async () => {
    const started = await startWithClient({ namespaces: ['nvsentinel'] });
    sim = started.sim;
    extensions = started.kc.makeApiClient(ApiextensionsV1Api);
    custom = started.kc.makeApiClient(CustomObjectsApi);
    watch = new Watch(started.kc);
  });
  afterAll(() => sim.close());

  it('serves a cluster-scoped CR with a status subresource once its CRD exists', async () => {
    expect((await apiFailure(custom.listClusterCustomObject({ group, version, plural: 'rebootnodes' }))).code).toBe(
      404,
    );
    const created = await extensions.createCustomResourceDefinition({
      body: crd('rebootnodes', 'RebootNode', 'Cluster', true),
    });
    expect(created.status?.conditions?.find((condition) => condition.type === 'Established')?.status).toBe('True');

    const body = {
      apiVersion: `${group}/${version}`,
      kind: 'RebootNode',
      metadata: { name: 'reboot-gpu-node-0' },
      spec: { nodeName: 'gpu-node-0' },
      status: { ignored: true },
    };
    const object = (await custom.createClusterCustomObject({ group, version, plural: 'rebootnodes', body })) as Record<
      string,
      any
    >;
    expect(object.metadata.generation).toBe(1);
    expect(object.status).toBeUndefined();

    const withStatus = (await custom.patchClusterCustomObjectStatus(
      {
        group,
        version,
        plural: 'rebootnodes',
        name: 'reboot-gpu-node-0',
        body: { status: { conditions: [{ type: 'SignalSent', status: 'True' }] } },
      },
      merge,
    )) as Record<string, any>;
    expect(withStatus.status.conditions[0].type).toBe('SignalSent');
    expect(withStatus.metadata.generation).toBe(1);

    const specChanged = (await custom.patchClusterCustomObject(
      {
        group,
        version,
        plural: 'rebootnodes',
        name: 'reboot-gpu-node-0',
        body: { spec: { force: true }, status: { conditions: [] } },
      },
      merge,
    )) as Record<string, any>;
    expect(specChanged.metadata.generation).toBe(2);
    expect(specChanged.status.conditions).toHaveLength(1);

    const list = (await custom.listClusterCustomObject({ group, version, plural: 'rebootnodes' })) as {
      items: Record<string, any>[];
      kind: string;
    };
    expect(list.kind).toBe('RebootNodeList');
    expect(list.items.map((item) => `${item.apiVersion} ${item.kind} ${item.metadata.name}`)).toEqual([
      `${group}/${version} RebootNode reboot-gpu-node-0`,
    ]);

    const refused = await apiFailure(
      custom.patchClusterCustomObject(
        { group, version, plural: 'rebootnodes', name: 'reboot-gpu-node-0', body: { spec: {} } },
        strategic,
      ),
    );
    expect(refused.code).toBe(415);
  });

  it('serves namespaced CRs with conflicts and watch like built-ins', async () => {
    await extensions.createCustomResourceDefinition({ body: crd('gpuresets', 'GPUReset', 'Namespaced', false) });
    const created = (await custom.createNamespacedCustomObject({
      group,
      version,
      namespace: 'nvsentinel',
      plural: 'gpuresets',
      body: { apiVersion: `${group}/${version}`, kind: 'GPUReset', metadata: { name: 'reset-1' }, spec: { gpus: [0] } },
    })) as Record<string, any>;
    const seen: string[] = [];
    const controller = await watch.watch(
      `/apis/${group}/${version}/namespaces/nvsentinel/gpuresets`,
      { resourceVersion: created.metadata.resourceVersion },
      (type, object) => seen.push(`${type} ${object.metadata.name}`),
      () => undefined,
    );
    await custom.replaceNamespacedCustomObject({
      group,
      version,
      namespace: 'nvsentinel',
      plural: 'gpuresets',
      name: 'reset-1',
      body: { ...created, spec: { gpus: [1] } },
    });
    const stale = await apiFailure(
      custom.replaceNamespacedCustomObject({
        group,
        version,
        namespace: 'nvsentinel',
        plural: 'gpuresets',
        name: 'reset-1',
        body: { ...created, spec: { gpus: [2] } },
      }),
    );
    expect(stale.code).toBe(409);
    await eventually(() => (seen.length === 1 ? true : undefined));
    expect(seen).toEqual(['MODIFIED reset-1']);
    controller.abort();
    expect(
      (
        await apiFailure(
          custom.getNamespacedCustomObjectStatus({
            group,
            version,
            namespace: 'nvsentinel',
            plural: 'gpuresets',
            name: 'reset-1',
          }),
        )
      ).code,
    ).toBe(404);
  });

  it('deleting a CRD deletes its objects, ends watches on them and stops serving the resource', async () => {
    await extensions.createCustomResourceDefinition({ body: crd('terminatenodes', 'TerminateNode', 'Cluster', true) });
    await custom.createClusterCustomObject({
      group,
      version,
      plural: 'terminatenodes',
      body: { apiVersion: `${group}/${version}`, kind: 'TerminateNode', metadata: { name: 't1' } },
    });
    const seen: string[] = [];
    let ended = false;
    await watch.watch(
      `/apis/${group}/${version}/terminatenodes`,
      {},
      (type, object) => seen.push(`${type} ${object.metadata.name}`),
      () => (ended = true),
    );
    await extensions.deleteCustomResourceDefinition({ name: `terminatenodes.${group}` });
    await eventually(() => (ended ? true : undefined));
    expect(seen).toEqual(['ADDED t1', 'DELETED t1']);
    expect((await apiFailure(custom.listClusterCustomObject({ group, version, plural: 'terminatenodes' }))).code).toBe(
      404,
    );
    await extensions.createCustomResourceDefinition({ body: crd('terminatenodes', 'TerminateNode', 'Cluster', true) });
    expect(
      ((await custom.listClusterCustomObject({ group, version, plural: 'terminatenodes' })) as { items: unknown[] })
        .items,
    ).toEqual([]);
  });

  it('rejects an invalid CRD with 422 and lists served CRDs in discovery', async () => {
    const bad = crd('bad', 'Bad', 'Cluster', false);
    bad.metadata!.name = 'wrong-name';
    const failure = await apiFailure(extensions.createCustomResourceDefinition({ body: bad }));
    expect(failure.code).toBe(422);
    const discovery = (await (await fetch(`${sim.url}/apis/${group}/${version}`)).json()) as {
      resources: { name: string }[];
    };
    expect(discovery.resources.map((resource) => resource.name)).toContain('rebootnodes/status');
  });
});
