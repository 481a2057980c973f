import { CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterSim } from '../start-cluster-sim.js';
import { apiFailure, startWithClient } from '../testing/client.js';

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const strategic = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
const apply = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);

describe('PATCH through client-node (content type chosen with setHeaderOptions)', () => {
  let sim: ClusterSim;
  let core: CoreV1Api;

  beforeAll(async () => {
    const started = await startWithClient({ nodes: 3, podsPerNode: 0, daemonSets: false });
    sim = started.sim;
    core = started.kc.makeApiClient(CoreV1Api);
  });
  afterAll(() => sim.close());

  it('merge patch adds and removes labels without touching foreign keys', async () => {
    await core.patchNode(
      {
        name: 'gpu-node-0',
        body: {
          metadata: { labels: { 'dgxc.nvidia.com/nvsentinel-state': 'quarantined', 'nvidia.com/gpu.present': null } },
        },
      },
      merge,
    );
    const node = await core.readNode({ name: 'gpu-node-0' });
    expect(node.metadata?.labels?.['dgxc.nvidia.com/nvsentinel-state']).toBe('quarantined');
    expect(node.metadata?.labels?.['nvidia.com/gpu.present']).toBeUndefined();
    expect(node.metadata?.labels?.['kubernetes.io/hostname']).toBe('gpu-node-0');
  });

  it('strategic merge patch merges status.conditions by type and replaces spec.taints', async () => {
    await core.patchNode(
      { name: 'gpu-node-1', body: { spec: { taints: [{ key: 'a', effect: 'NoSchedule' }] } } },
      strategic,
    );
    await core.patchNode(
      { name: 'gpu-node-1', body: { spec: { taints: [{ key: 'b', effect: 'NoExecute' }] } } },
      strategic,
    );
    const tainted = await core.readNode({ name: 'gpu-node-1' });
    expect(tainted.spec?.taints?.map((taint) => taint.key)).toEqual(['b']);

    await core.patchNodeStatus(
      {
        name: 'gpu-node-1',
        body: {
          status: {
            conditions: [{ type: 'GpuXidError', status: 'True', reason: 'GpuXidErrorIsNotHealthy', message: 'XID 79' }],
          },
        },
      },
      strategic,
    );
    const node = await core.readNode({ name: 'gpu-node-1' });
    const types = node.status?.conditions?.map((condition) => condition.type);
    expect(types).toEqual(['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready', 'GpuXidError']);
    await core.patchNodeStatus(
      { name: 'gpu-node-1', body: { status: { conditions: [{ type: 'GpuXidError', $patch: 'delete' }] } } },
      strategic,
    );
    expect(
      (await core.readNode({ name: 'gpu-node-1' })).status?.conditions?.map((condition) => condition.type),
    ).not.toContain('GpuXidError');
  });

  it('a merge patch on the main resource cannot change status when a status subresource exists', async () => {
    await core.patchNode({ name: 'gpu-node-2', body: { status: { conditions: [] } } }, merge);
    expect((await core.readNode({ name: 'gpu-node-2' })).status?.conditions).toHaveLength(4);
  });

  it('JSON patch (the client default) applies RFC 6902 operations and fails the whole patch on a failed test', async () => {
    const node = await core.readNode({ name: 'gpu-node-2' });
    await core.patchNode({
      name: 'gpu-node-2',
      body: [
        { op: 'test', path: '/metadata/resourceVersion', value: node.metadata?.resourceVersion },
        { op: 'add', path: '/spec/unschedulable', value: true },
        { op: 'add', path: '/metadata/annotations', value: { 'example.com/x': 'y' } },
        { op: 'replace', path: '/metadata/labels/nvidia.com~1gpu.count', value: '4' },
      ],
    });
    const patched = await core.readNode({ name: 'gpu-node-2' });
    expect(patched.spec?.unschedulable).toBe(true);
    expect(patched.metadata?.labels?.['nvidia.com/gpu.count']).toBe('4');

    const failed = await apiFailure(
      core.patchNode({
        name: 'gpu-node-2',
        body: [
          { op: 'test', path: '/spec/unschedulable', value: false },
          { op: 'remove', path: '/spec/unschedulable' },
        ],
      }),
    );
    expect(failed.code).toBe(422);
    expect((await core.readNode({ name: 'gpu-node-2' })).spec?.unschedulable).toBe(true);
  });

  it('explains the missing Content-Type option when an object is sent as a JSON patch', async () => {
    const failure = await apiFailure(
      core.patchNode({ name: 'gpu-node-2', body: { metadata: { labels: { a: 'b' } } } }),
    );
    expect(failure.code).toBe(400);
    expect(failure.status.message).toContain('PatchStrategy.MergePatch');
  });

  it('rejects server-side apply with 415', async () => {
    const failure = await apiFailure(
      core.patchNode({ name: 'gpu-node-2', body: { metadata: { labels: { a: 'b' } } } }, apply),
    );
    expect(failure.code).toBe(415);
    expect(failure.status.reason).toBe('UnsupportedMediaType');
  });

  it('treats metadata.resourceVersion in a patch as a precondition (409 when stale)', async () => {
    const node = await core.readNode({ name: 'gpu-node-0' });
    await core.patchNode({ name: 'gpu-node-0', body: { metadata: { labels: { step: '1' } } } }, merge);
    const stale = await apiFailure(
      core.patchNode(
        {
          name: 'gpu-node-0',
          body: { metadata: { resourceVersion: node.metadata?.resourceVersion, labels: { step: '2' } } },
        },
        merge,
      ),
    );
    expect(stale.code).toBe(409);
    expect((await core.readNode({ name: 'gpu-node-0' })).metadata?.labels?.step).toBe('1');
  });

  it('does not bump resourceVersion for a no-op patch', async () => {
    const before = await core.readNode({ name: 'gpu-node-0' });
    const after = await core.patchNode({ name: 'gpu-node-0', body: { metadata: { labels: { step: '1' } } } }, merge);
    expect(after.metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
  });
});
