import { CoreV1Api, CoordinationV1Api, EventsV1Api, type V1ConfigMap } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterSim } from '../start-cluster-sim.js';
import { apiFailure, startWithClient } from '../testing/client.js';

describe('generic CRUD through CoreV1Api', () => {
  let sim: ClusterSim;
  let core: CoreV1Api;
  let coordination: CoordinationV1Api;
  let events: EventsV1Api;

  beforeAll(async () => {
    const started = await startWithClient({ nodes: 2, podsPerNode: 2, seed: 7 });
    sim = started.sim;
    core = started.kc.makeApiClient(CoreV1Api);
    coordination = started.kc.makeApiClient(CoordinationV1Api);
    events = started.kc.makeApiClient(EventsV1Api);
  });
  afterAll(() => sim.close());

  it('creates, reads, replaces and deletes a ConfigMap with server-set metadata', async () => {
    const created = await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'settings' }, data: { a: '1' } },
    });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect(Number(created.metadata?.resourceVersion)).toBeGreaterThan(0);
    expect(created.metadata?.namespace).toBe('default');

    const read = await core.readNamespacedConfigMap({ name: 'settings', namespace: 'default' });
    expect(read.data).toEqual({ a: '1' });

    const replaced = await core.replaceNamespacedConfigMap({
      name: 'settings',
      namespace: 'default',
      body: { ...read, data: { a: '2' } },
    });
    expect(replaced.data).toEqual({ a: '2' });
    expect(Number(replaced.metadata?.resourceVersion)).toBeGreaterThan(Number(read.metadata?.resourceVersion));
    expect(replaced.metadata?.uid).toBe(created.metadata?.uid);

    await core.deleteNamespacedConfigMap({ name: 'settings', namespace: 'default' });
    const missing = await apiFailure(core.readNamespacedConfigMap({ name: 'settings', namespace: 'default' }));
    expect(missing.code).toBe(404);
    expect(missing.status).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'NotFound',
      code: 404,
      message: 'configmaps "settings" not found',
    });
  });

  it('answers 409 Conflict to an update carrying a stale resourceVersion', async () => {
    const created = await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'contended' }, data: { v: '0' } },
    });
    await core.replaceNamespacedConfigMap({
      name: 'contended',
      namespace: 'default',
      body: { ...created, data: { v: '1' } },
    });
    const stale = await apiFailure(
      core.replaceNamespacedConfigMap({
        name: 'contended',
        namespace: 'default',
        body: { ...created, data: { v: '2' } },
      }),
    );
    expect(stale.code).toBe(409);
    expect(stale.status.reason).toBe('Conflict');
    expect(stale.status.message).toContain(
      'the object has been modified; please apply your changes to the latest version and try again',
    );
    const current = await core.readNamespacedConfigMap({ name: 'contended', namespace: 'default' });
    expect(current.data).toEqual({ v: '1' });
  });

  it('answers 409 AlreadyExists, 404 for a missing namespace, 422 for an invalid name', async () => {
    const body: V1ConfigMap = { metadata: { name: 'twice' } };
    await core.createNamespacedConfigMap({ namespace: 'default', body });
    expect((await apiFailure(core.createNamespacedConfigMap({ namespace: 'default', body }))).status).toMatchObject({
      code: 409,
      reason: 'AlreadyExists',
    });
    expect((await apiFailure(core.createNamespacedConfigMap({ namespace: 'nope', body }))).status).toMatchObject({
      code: 404,
      message: 'namespaces "nope" not found',
    });
    expect(
      (
        await apiFailure(
          core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'Not_Valid' } } }),
        )
      ).status,
    ).toMatchObject({ code: 422, reason: 'Invalid' });
  });

  it('names objects from generateName', async () => {
    const created = await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { generateName: 'gen-' } },
    });
    expect(created.metadata?.name).toMatch(/^gen-[a-z0-9]{5}$/);
  });

  it('filters lists by label selector (=, !=, in, notin, exists, !key)', async () => {
    const labelled: { name: string; labels: Record<string, string> }[] = [
      { name: 'l1', labels: { tier: 'gpu', zone: 'a' } },
      { name: 'l2', labels: { tier: 'gpu', zone: 'b' } },
      { name: 'l3', labels: { tier: 'cpu' } },
    ];
    await core.createNamespace({ body: { metadata: { name: 'selectors' } } });
    for (const { name, labels } of labelled)
      await core.createNamespacedConfigMap({ namespace: 'selectors', body: { metadata: { name, labels } } });
    const names = async (labelSelector: string): Promise<string[]> =>
      (await core.listNamespacedConfigMap({ namespace: 'selectors', labelSelector })).items.map(
        (item) => item.metadata!.name!,
      );
    expect(await names('tier=gpu')).toEqual(['l1', 'l2']);
    expect(await names('tier==gpu,zone!=a')).toEqual(['l2']);
    expect(await names('zone in (a, b)')).toEqual(['l1', 'l2']);
    expect(await names('tier notin (gpu)')).toEqual(['l3']);
    expect(await names('zone')).toEqual(['l1', 'l2']);
    expect(await names('!zone')).toEqual(['l3']);
    expect((await apiFailure(names('zone in (a'))).code).toBe(400);
  });

  it('filters pods by field selector and rejects unsupported fields like the real API', async () => {
    const onNode = await core.listPodForAllNamespaces({
      fieldSelector: 'spec.nodeName=gpu-node-0,status.phase=Running',
    });
    expect(onNode.items.length).toBeGreaterThan(0);
    expect(onNode.items.every((pod) => pod.spec?.nodeName === 'gpu-node-0')).toBe(true);
    const byName = await core.listNamespacedPod({
      namespace: onNode.items[0]!.metadata!.namespace!,
      fieldSelector: `metadata.name=${onNode.items[0]!.metadata!.name}`,
    });
    expect(byName.items).toHaveLength(1);
    const notOnNode = await core.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName!=gpu-node-0' });
    expect(notOnNode.items.every((pod) => pod.spec?.nodeName !== 'gpu-node-0')).toBe(true);
    const unsupported = await apiFailure(core.listPodForAllNamespaces({ fieldSelector: 'spec.priority=3' }));
    expect(unsupported.code).toBe(400);
    expect(unsupported.status.message).toContain('field label not supported: spec.priority');
  });

  it('pages lists with limit and continue', async () => {
    const first = await core.listPodForAllNamespaces({ limit: 3 });
    expect(first.items).toHaveLength(3);
    expect(first.metadata?._continue).toBeTruthy();
    const rest = await core.listPodForAllNamespaces({ limit: 100, _continue: first.metadata!._continue! });
    const all = await core.listPodForAllNamespaces();
    expect([...first.items, ...rest.items].map((pod) => pod.metadata?.name)).toEqual(
      all.items.map((pod) => pod.metadata?.name),
    );
  });

  it('keeps the status of a node when the main resource is replaced (status subresource)', async () => {
    const node = await core.readNode({ name: 'gpu-node-1' });
    const tampered = {
      ...node,
      spec: { ...node.spec, unschedulable: true },
      status: { ...node.status, conditions: [] },
    };
    const replaced = await core.replaceNode({ name: 'gpu-node-1', body: tampered });
    expect(replaced.spec?.unschedulable).toBe(true);
    expect(replaced.status?.conditions?.find((condition) => condition.type === 'Ready')?.status).toBe('True');
    const statusOnly = await core.replaceNodeStatus({
      name: 'gpu-node-1',
      body: {
        ...replaced,
        spec: { ...replaced.spec, unschedulable: false },
        status: { ...replaced.status, phase: 'Running' },
      },
    });
    expect(statusOnly.spec?.unschedulable).toBe(true);
    expect(statusOnly.status?.phase).toBe('Running');
  });

  it('holds an object with finalizers until the last one is removed', async () => {
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'held', finalizers: ['example.com/cleanup'] } },
    });
    await core.deleteNamespacedConfigMap({ name: 'held', namespace: 'default' });
    const terminating = await core.readNamespacedConfigMap({ name: 'held', namespace: 'default' });
    expect(terminating.metadata?.deletionTimestamp).toBeInstanceOf(Date);
    await core.replaceNamespacedConfigMap({
      name: 'held',
      namespace: 'default',
      body: { ...terminating, metadata: { ...terminating.metadata, finalizers: [] } },
    });
    expect((await apiFailure(core.readNamespacedConfigMap({ name: 'held', namespace: 'default' }))).code).toBe(404);
  });

  it('serves leases and both event APIs', async () => {
    const lease = await coordination.createNamespacedLease({
      namespace: 'kube-node-lease',
      body: { metadata: { name: 'janitor-lock' }, spec: { holderIdentity: 'janitor-0', leaseDurationSeconds: 15 } },
    });
    expect(lease.spec?.holderIdentity).toBe('janitor-0');
    const renewed = await coordination.replaceNamespacedLease({
      name: 'janitor-lock',
      namespace: 'kube-node-lease',
      body: { ...lease, spec: { ...lease.spec, holderIdentity: 'janitor-1' } },
    });
    expect(renewed.spec?.holderIdentity).toBe('janitor-1');
    expect(
      (
        await apiFailure(
          coordination.replaceNamespacedLease({ name: 'janitor-lock', namespace: 'kube-node-lease', body: lease }),
        )
      ).code,
    ).toBe(409);

    await core.createNamespacedEvent({
      namespace: 'default',
      body: {
        metadata: { name: 'gpu-node-0.xid' },
        involvedObject: { kind: 'Node', name: 'gpu-node-0' },
        reason: 'GpuXidError',
        message: 'XID 79',
        type: 'Warning',
        count: 1,
      },
    });
    const forNode = await core.listNamespacedEvent({
      namespace: 'default',
      fieldSelector: 'involvedObject.kind=Node,involvedObject.name=gpu-node-0,reason=GpuXidError',
    });
    expect(forNode.items.map((event) => event.message)).toEqual(['XID 79']);

    const created = await events.createNamespacedEvent({
      namespace: 'default',
      body: {
        metadata: { name: 'drain.1' },
        eventTime: new Date(),
        reportingController: 'nvsentinel/node-drainer',
        reportingInstance: 'node-drainer-0',
        action: 'Drain',
        reason: 'AwaitingPodCompletion',
        regarding: { kind: 'Node', name: 'gpu-node-0' },
        type: 'Normal',
      },
    });
    expect(created.reason).toBe('AwaitingPodCompletion');

    // Both APIs are views of one collection, converted field by field as the API server does.
    const viaEventsApi = await events.listNamespacedEvent({
      namespace: 'default',
      fieldSelector: 'regarding.name=gpu-node-0',
    });
    expect(
      viaEventsApi.items.map((event) => `${event.metadata?.name} ${event.note ?? ''} ${event.deprecatedCount ?? ''}`),
    ).toEqual(['drain.1  ', 'gpu-node-0.xid XID 79 1']);
    const viaCoreApi = await core.readNamespacedEvent({ name: 'drain.1', namespace: 'default' });
    expect(viaCoreApi.reportingComponent).toBe('nvsentinel/node-drainer');
    expect(viaCoreApi.involvedObject.name).toBe('gpu-node-0');
  });

  it('serves /version and discovery documents', async () => {
    const response = await fetch(`${sim.url}/apis/policy/v1`);
    const resources = (await response.json()) as { resources: { name: string }[] };
    expect(resources.resources.map((resource) => resource.name)).toEqual([
      'poddisruptionbudgets',
      'poddisruptionbudgets/status',
    ]);
    const core = (await (await fetch(`${sim.url}/api/v1`)).json()) as { resources: { name: string }[] };
    expect(core.resources.map((resource) => resource.name)).toContain('pods/eviction');
    const groups = (await (await fetch(`${sim.url}/apis`)).json()) as { groups: { name: string }[] };
    expect(groups.groups.map((group) => group.name).sort()).toEqual([
      'admissionregistration.k8s.io',
      'apiextensions.k8s.io',
      'apps',
      'batch',
      'coordination.k8s.io',
      'events.k8s.io',
      'networking.k8s.io',
      'policy',
      'rbac.authorization.k8s.io',
    ]);
    expect(((await (await fetch(`${sim.url}/version`)).json()) as { major: string }).major).toBe('1');
  });
});

describe('dry run, deletecollection and namespace deletion', () => {
  let sim: ClusterSim;
  let core: CoreV1Api;

  beforeAll(async () => {
    const started = await startWithClient({ namespaces: ['scratch'] });
    sim = started.sim;
    core = started.kc.makeApiClient(CoreV1Api);
  });
  afterAll(() => sim.close());

  it('runs create, update and delete with dryRun=All without storing anything', async () => {
    const previewed = await core.createNamespacedConfigMap({
      namespace: 'scratch',
      dryRun: 'All',
      body: { metadata: { name: 'dry' }, data: { a: '1' } },
    });
    expect(previewed.metadata?.uid).toBeTruthy();
    expect((await apiFailure(core.readNamespacedConfigMap({ name: 'dry', namespace: 'scratch' }))).code).toBe(404);

    const created = await core.createNamespacedConfigMap({
      namespace: 'scratch',
      body: { metadata: { name: 'dry' }, data: { a: '1' } },
    });
    const updated = await core.replaceNamespacedConfigMap({
      name: 'dry',
      namespace: 'scratch',
      dryRun: 'All',
      body: { ...created, data: { a: '2' } },
    });
    expect(updated.data).toEqual({ a: '2' });
    await core.deleteNamespacedConfigMap({ name: 'dry', namespace: 'scratch', dryRun: 'All' });
    const stored = await core.readNamespacedConfigMap({ name: 'dry', namespace: 'scratch' });
    expect(stored.data).toEqual({ a: '1' });
    expect(stored.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);
    expect(
      (await apiFailure(core.deleteNamespacedConfigMap({ name: 'dry', namespace: 'scratch', dryRun: 'Some' }))).code,
    ).toBe(400);
  });

  it('deletes a labelled subset with deletecollection', async () => {
    for (const [name, team] of [
      ['x1', 'a'],
      ['x2', 'a'],
      ['x3', 'b'],
    ] as const) {
      await core.createNamespacedConfigMap({ namespace: 'scratch', body: { metadata: { name, labels: { team } } } });
    }
    await core.deleteCollectionNamespacedConfigMap({ namespace: 'scratch', labelSelector: 'team=a' });
    const left = await core.listNamespacedConfigMap({ namespace: 'scratch', labelSelector: 'team' });
    expect(left.items.map((item) => item.metadata?.name)).toEqual(['x3']);
  });

  it('removes everything in a namespace when the namespace is deleted', async () => {
    await core.createNamespace({ body: { metadata: { name: 'doomed' } } });
    expect((await core.readNamespace({ name: 'doomed' })).status?.phase).toBe('Active');
    await core.createNamespacedConfigMap({ namespace: 'doomed', body: { metadata: { name: 'inside' } } });
    await core.deleteNamespace({ name: 'doomed' });
    expect((await core.listConfigMapForAllNamespaces({ fieldSelector: 'metadata.namespace=doomed' })).items).toEqual(
      [],
    );
    expect((await apiFailure(core.readNamespace({ name: 'doomed' }))).code).toBe(404);
  });

  it('answers unknown paths and malformed escapes with a Status', async () => {
    const unknown = await fetch(`${sim.url}/api/v1/widgets`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ kind: 'Status', reason: 'NotFound' });
    expect((await fetch(`${sim.url}/api/v1/namespaces/%E0%A4%A`)).status).toBe(400);
  });
});

describe('validation the real API applies', () => {
  let sim: ClusterSim;
  let core: CoreV1Api;

  beforeAll(async () => {
    const started = await startWithClient({ nodes: 1, podsPerNode: 0, daemonSets: false });
    sim = started.sim;
    core = started.kc.makeApiClient(CoreV1Api);
  });
  afterAll(() => sim.close());

  it('rejects label values that are too long or contain spaces, and malformed label keys', async () => {
    const node = await core.readNode({ name: 'gpu-node-0' });
    const withLabel = (labels: Record<string, string>) =>
      core.replaceNode({
        name: 'gpu-node-0',
        body: { ...node, metadata: { ...node.metadata, labels: { ...node.metadata?.labels, ...labels } } },
      });
    const tooLong = await apiFailure(withLabel({ 'k8saas.nvidia.com/cordon-reason': 'x'.repeat(64) }));
    expect(tooLong.code).toBe(422);
    expect(tooLong.status.message).toContain('metadata.labels.k8saas.nvidia.com/cordon-reason');
    expect((await apiFailure(withLabel({ reason: 'GPU fell off' }))).code).toBe(422);
    expect((await apiFailure(withLabel({ 'Bad_Prefix/name': 'x' }))).code).toBe(422);
    expect(
      (await withLabel({ 'k8saas.nvidia.com/cordon-reason': 'gpu-fallen-off_XID.79' })).metadata?.labels?.[
        'k8saas.nvidia.com/cordon-reason'
      ],
    ).toBe('gpu-fallen-off_XID.79');
  });

  it('rejects taints with an unknown effect or a duplicate key+effect', async () => {
    const node = await core.readNode({ name: 'gpu-node-0' });
    const withTaints = (taints: { key: string; value?: string; effect: string }[]) =>
      core.replaceNode({ name: 'gpu-node-0', body: { ...node, spec: { ...node.spec, taints } } });
    expect((await apiFailure(withTaints([{ key: 'nvidia.com/gpu-error', effect: 'NoWay' }]))).status.message).toContain(
      'supported values',
    );
    expect(
      (
        await apiFailure(
          withTaints([
            { key: 'a', effect: 'NoSchedule' },
            { key: 'a', value: 'b', effect: 'NoSchedule' },
          ]),
        )
      ).code,
    ).toBe(422);
    const ok = await withTaints([
      { key: 'a', effect: 'NoSchedule' },
      { key: 'a', effect: 'NoExecute' },
    ]);
    expect(ok.spec?.taints).toHaveLength(2);
  });

  it('gives running pods container statuses', async () => {
    const pod = await core.createNamespacedPod({
      namespace: 'default',
      body: { metadata: { name: 'p' }, spec: { nodeName: 'gpu-node-0', containers: [{ name: 'c', image: 'i' }] } },
    });
    expect(
      pod.status?.containerStatuses?.map((status) => `${status.name} ${status.ready} ${status.restartCount}`),
    ).toEqual(['c true 0']);
  });
});

describe('request bodies', () => {
  let sim: ClusterSim;
  beforeAll(async () => {
    sim = (await startWithClient({})).sim;
  });
  afterAll(() => sim.close());

  it('answers malformed JSON with 400 and an oversized body with 413, both as Status', async () => {
    const post = (body: string) =>
      fetch(`${sim.url}/api/v1/namespaces/default/configmaps`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
    const malformed = await post('{"metadata":');
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ kind: 'Status', reason: 'BadRequest' });
    const huge = await post(
      JSON.stringify({ metadata: { name: 'huge' }, data: { blob: 'x'.repeat(4 * 1024 * 1024) } }),
    );
    expect(huge.status).toBe(413);
    expect(await huge.json()).toMatchObject({ kind: 'Status', reason: 'RequestEntityTooLarge' });
  });
});
