import { type Middleware, PatchStrategy, type RequestContext, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { NodeCache } from './node-cache.js';
import { K8sErrorCode } from '../errors.js';
import { type SimClient, clientFor, eventually, startSimClient } from '../testing/sim.js';
import { NodeOps } from './node-ops.js';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/**
 * A middleware that, before the first `times` PATCHes to `path`, lets another writer change the node
 * — the request then carries a resourceVersion that is no longer current.
 */
function concurrentWriterBefore(path: string, write: () => Promise<unknown>, times = 1): Middleware {
  let remaining = times;
  return {
    async pre(context: RequestContext) {
      if (
        remaining > 0 &&
        context.getHttpMethod().toString() === 'PATCH' &&
        new URL(context.getUrl()).pathname === path
      ) {
        remaining--;
        await write();
      }
      return context;
    },
    post: async (response) => response,
  };
}

describe('NodeOps against the simulator', () => {
  let env: SimClient;
  let ops: NodeOps;
  const labelsOf = async (name: string) => (await env.other.core.readNode({ name })).metadata?.labels ?? {};

  beforeAll(async () => {
    env = await startSimClient({
      nodes: [
        { name: 'n-cordon' },
        { name: 'n-taint', taints: [{ key: 'operator/maintenance', value: 'planned', effect: 'NoSchedule' }] },
        { name: 'n-labels' },
        { name: 'n-cond' },
        { name: 'n-conflict' },
        { name: 'n-precordoned', unschedulable: true },
        { name: 'n-cached' },
      ],
      podsPerNode: 0,
      daemonSets: false,
    });
    ops = new NodeOps(env.client);
  });
  afterAll(() => env.sim.close());

  it('cordon is idempotent and reports a pre-existing cordon', async () => {
    expect(await ops.cordon('n-cordon')).toEqual({ changed: true, wasCordoned: false });
    const updatesBefore = env.requests.count('patch', 'nodes');
    expect(await ops.cordon('n-cordon')).toEqual({ changed: false, wasCordoned: true });
    expect(env.requests.count('patch', 'nodes')).toBe(updatesBefore); // no write for a no-op
    expect((await ops.get('n-cordon')).spec?.unschedulable).toBe(true);
    expect(await ops.uncordon('n-cordon')).toEqual({ changed: true, wasCordoned: true });
    expect(await ops.uncordon('n-cordon')).toEqual({ changed: false, wasCordoned: false });
    expect(await ops.cordon('n-precordoned')).toEqual({ changed: false, wasCordoned: true });
  });

  it('addTaints tracks pre-existing taints and removeTaints leaves them alone', async () => {
    const added = await ops.addTaints('n-taint', [
      { key: 'operator/maintenance', value: 'planned', effect: 'NoSchedule' },
      { key: 'nvsentinel.dgxc.nvidia.com/gpu-error', value: 'true', effect: 'NoSchedule' },
    ]);
    expect(added.preExisting).toEqual([{ key: 'operator/maintenance', value: 'planned', effect: 'NoSchedule' }]);
    expect(added.added).toEqual([{ key: 'nvsentinel.dgxc.nvidia.com/gpu-error', value: 'true', effect: 'NoSchedule' }]);
    const again = await ops.addTaints('n-taint', [
      { key: 'nvsentinel.dgxc.nvidia.com/gpu-error', value: 'true', effect: 'NoSchedule' },
    ]);
    expect(again).toEqual({
      added: [],
      preExisting: [{ key: 'nvsentinel.dgxc.nvidia.com/gpu-error', value: 'true', effect: 'NoSchedule' }],
    });

    // Un-quarantine removes only what we added.
    const removed = await ops.removeTaints('n-taint', added.added);
    expect(removed.removed).toHaveLength(1);
    const taints = (await ops.get('n-taint')).spec?.taints ?? [];
    expect(taints.map((t) => t.key)).toEqual(['operator/maintenance']);
    expect((await ops.removeTaints('n-taint', added.added)).absent).toHaveLength(1);
  });

  it('setLabels and setAnnotations never wipe keys written by others (upstream #1854)', async () => {
    await env.other.core.patchNode(
      {
        name: 'n-labels',
        body: {
          metadata: { labels: { 'team.example.com/owner': 'infra' }, annotations: { 'foreign/note': 'keep me' } },
        },
      },
      mergePatch,
    );
    await ops.setLabels('n-labels', {
      'dgxc.nvidia.com/nvsentinel-state': 'quarantined',
      'k8saas.nvidia.com/cordon-by': 'NVSentinel',
    });
    await ops.setLabels('n-labels', { 'k8saas.nvidia.com/cordon-by': null });
    await ops.setAnnotations('n-labels', { quarantineHealthEvent: '[{"checkName":"GpuXid"}]' });
    const node = await ops.get('n-labels');
    expect(node.metadata?.labels).toMatchObject({
      'team.example.com/owner': 'infra',
      'dgxc.nvidia.com/nvsentinel-state': 'quarantined',
      'nvidia.com/gpu.present': 'true',
    });
    expect(node.metadata?.labels).not.toHaveProperty('k8saas.nvidia.com/cordon-by');
    expect(node.metadata?.annotations).toEqual({
      'foreign/note': 'keep me',
      quarantineHealthEvent: '[{"checkName":"GpuXid"}]',
    });
    expect(await ops.setLabels('n-labels', {})).toBeUndefined(); // nothing to send
  });

  it('retries a read-modify-write that lost a race, re-applying on the fresh node and keeping the other write', async () => {
    const { client, requests } = clientFor(env.sim, {
      middleware: [
        concurrentWriterBefore('/api/v1/nodes/n-conflict', () =>
          env.other.core.patchNode(
            { name: 'n-conflict', body: { metadata: { labels: { racer: 'was-here' } } } },
            mergePatch,
          ),
        ),
      ],
    });
    const racingOps = new NodeOps(client);
    const result = await racingOps.addTaints('n-conflict', [{ key: 'nvsentinel/quarantine', effect: 'NoSchedule' }]);
    expect(result.added).toHaveLength(1);
    expect(requests.count('patch', 'nodes', 409)).toBe(1);
    expect(requests.count('patch', 'nodes', 200)).toBe(1);
    expect(requests.count('get', 'nodes')).toBe(2); // re-read after the conflict
    const node = await racingOps.get('n-conflict');
    expect(node.metadata?.labels?.racer).toBe('was-here');
    expect(node.spec?.taints?.map((t) => t.key)).toEqual(['nvsentinel/quarantine']);
  });

  it('gives up with NVS_ERR_K8S_CONFLICT_RETRIES_EXHAUSTED when every attempt loses', async () => {
    let bump = 0;
    const { client, requests } = clientFor(env.sim, {
      middleware: [
        concurrentWriterBefore(
          '/api/v1/nodes/n-conflict',
          () =>
            env.other.core.patchNode(
              { name: 'n-conflict', body: { metadata: { labels: { racer: `bump-${bump++}` } } } },
              mergePatch,
            ),
          Infinity,
        ),
      ],
    });
    const unlucky = new NodeOps(client, { conflictRetry: { maxAttempts: 3 } });
    await expect(unlucky.cordon('n-conflict')).rejects.toMatchObject({
      code: K8sErrorCode.CONFLICT_RETRIES_EXHAUSTED,
      statusCode: 409,
    });
    expect(requests.count('patch', 'nodes', 409)).toBe(3);
  });

  it('sends only what changed, so fields unknown to the client model survive a write', async () => {
    env.sim.state.create({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'n-future' },
      spec: { futureField: 'keep-me' },
      status: { futureStatus: { x: 1 } },
    });
    await ops.cordon('n-future');
    await ops.setNodeCondition('n-future', { type: 'GpuXid', status: 'True' });
    const stored = env.sim.state.get('v1', 'Node', 'n-future');
    expect(stored?.spec).toEqual({ futureField: 'keep-me', unschedulable: true });
    expect(stored?.status).toMatchObject({ futureStatus: { x: 1 } });
  });

  it('with a cache, writes without a GET; a stale cache costs one 409 and a re-read, never a skipped write', async () => {
    const { client, requests } = clientFor(env.sim);
    const cache = new NodeCache(client).start();
    onTestFinished(() => cache.stop());
    await cache.waitForSync();
    const cached = new NodeOps(client, { readFrom: cache });

    const sharedBefore = cache.get('n-cached');
    requests.reset();
    expect((await cached.cordon('n-cached')).changed).toBe(true);
    expect(requests.count('get', 'nodes')).toBe(0);
    expect(requests.count('patch', 'nodes', 200)).toBe(1);
    expect(sharedBefore?.spec?.unschedulable).toBeUndefined(); // the shared cached object was not mutated

    // Freeze the cache (it has seen the cordon), then change the node behind its back.
    await eventually(() => (cache.get('n-cached')?.spec?.unschedulable ? true : undefined), 'cache saw the cordon');
    await cache.stop();
    await env.other.core.patchNode({ name: 'n-cached', body: { metadata: { labels: { moved: 'on' } } } }, mergePatch);
    requests.reset();
    expect((await cached.addTaints('n-cached', [{ key: 'k', effect: 'NoSchedule' }])).added).toHaveLength(1);
    expect(requests.count('patch', 'nodes', 409)).toBe(1);
    expect(requests.count('get', 'nodes')).toBe(1);
    expect(requests.count('patch', 'nodes', 200)).toBe(1);

    // Someone uncordons; the stale cache still says "cordoned", so cordon() looks like a no-op.
    // A GET confirms before skipping, and the write happens.
    await env.other.core.patchNode({ name: 'n-cached', body: { spec: { unschedulable: false } } }, mergePatch);
    requests.reset();
    expect(await cached.cordon('n-cached')).toEqual({ changed: true, wasCordoned: false });
    expect(requests.count('get', 'nodes')).toBe(1);
    expect((await cached.get('n-cached')).spec?.unschedulable).toBe(true);
  });

  it('names the node and the failure when it does not exist', async () => {
    await expect(ops.cordon('no-such-node')).rejects.toMatchObject({ code: K8sErrorCode.NOT_FOUND });
    await expect(ops.cordon('no-such-node')).rejects.toThrow(/cordon node no-such-node/);
  });

  describe('node conditions (status subresource)', () => {
    let now = new Date('2026-11-21T10:00:00Z');
    const condOps = () => new NodeOps(env.client, { now: () => now });
    const condition = async (type: string) =>
      (await ops.get('n-cond')).status?.conditions?.find((c) => c.type === type);

    it('adds a condition, keeps lastTransitionTime while the status holds and moves the heartbeat', async () => {
      const first = await condOps().setNodeCondition('n-cond', {
        type: 'GpuXid',
        status: 'True',
        reason: 'GpuXidIsNotHealthy',
        message: 'ErrorCode:79 GPU:0 Recommended Action=RESTART_VM;',
      });
      expect(first).toEqual({ changed: true, transitioned: true });
      const created = await condition('GpuXid');
      expect(created?.lastTransitionTime).toEqual(now);

      now = new Date('2026-11-21T10:01:00Z');
      const second = await condOps().setNodeCondition('n-cond', {
        type: 'GpuXid',
        status: 'True',
        reason: 'GpuXidIsNotHealthy',
        message: 'ErrorCode:79 GPU:1 Recommended Action=RESTART_VM;',
      });
      expect(second).toEqual({ changed: true, transitioned: false });
      const updated = await condition('GpuXid');
      expect(updated?.lastTransitionTime).toEqual(new Date('2026-11-21T10:00:00Z'));
      expect(updated?.lastHeartbeatTime).toEqual(now);
      expect(updated?.message).toContain('GPU:1');

      // The other conditions (kubelet's Ready) are untouched.
      expect((await condition('Ready'))?.status).toBe('True');
    });

    it('moves lastTransitionTime when the status flips, and repeating the same call writes nothing', async () => {
      now = new Date('2026-11-21T10:02:00Z');
      const input = {
        type: 'GpuXid',
        status: 'False' as const,
        reason: 'GpuXidIsHealthy',
        message: 'No Health Failures',
        heartbeatTime: now,
      };
      expect(await condOps().setNodeCondition('n-cond', input)).toEqual({ changed: true, transitioned: true });
      expect((await condition('GpuXid'))?.lastTransitionTime).toEqual(now);
      const statusWrites = env.requests.count('patch', 'nodes/status');
      expect(await condOps().setNodeCondition('n-cond', input)).toEqual({ changed: false, transitioned: false });
      expect(env.requests.count('patch', 'nodes/status')).toBe(statusWrites);
    });

    it('writes only the status: spec and labels changed meanwhile survive', async () => {
      await ops.setLabels('n-cond', { 'written-by': 'someone-else' });
      await condOps().setNodeCondition('n-cond', { type: 'NicHealth', status: 'True' });
      expect(await labelsOf('n-cond')).toMatchObject({ 'written-by': 'someone-else' });
      expect(await condOps().removeNodeCondition('n-cond', 'NicHealth')).toBe(true);
      expect(await condOps().removeNodeCondition('n-cond', 'NicHealth')).toBe(false);
      expect(await condition('NicHealth')).toBeUndefined();
    });
  });
});
