import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterSim } from './start-cluster-sim.js';
import { startWithClient } from './testing/client.js';

describe('ClusterState (in-process access for tests)', () => {
  let sim: ClusterSim;
  let core: CoreV1Api;

  beforeAll(async () => {
    const started = await startWithClient({
      nodes: 1,
      podsPerNode: 1,
      daemonSets: false,
      workloadNamespaces: ['batch'],
    });
    sim = started.sim;
    core = started.kc.makeApiClient(CoreV1Api);
  });
  afterAll(() => sim.close());

  it('writes through the same semantics the API has, so clients see the changes', async () => {
    const [pod] = sim.state.pods('gpu-node-0');
    const before = Number(sim.state.resourceVersion);
    sim.state.updateStatus('v1', 'Pod', pod!.metadata.name!, 'batch', { phase: 'Failed', reason: 'Evicted' });
    expect(Number(sim.state.resourceVersion)).toBe(before + 1);
    const read = await core.readNamespacedPod({ name: pod!.metadata.name!, namespace: 'batch' });
    expect(read.status).toEqual({ phase: 'Failed', reason: 'Evicted' });
    expect(sim.state.list('v1', 'Pod', 'batch')).toHaveLength(1);
  });

  it('answers undefined for a missing object and throws for an unserved kind', () => {
    expect(sim.state.get('v1', 'Node', 'nope')).toBeUndefined();
    expect(() => sim.state.list('apps/v1', 'ReplicaSet')).toThrow(
      'does not serve apiVersion "apps/v1" kind "ReplicaSet"',
    );
  });
});
