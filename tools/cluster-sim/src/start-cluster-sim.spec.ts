import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterSim } from './start-cluster-sim.js';
import { startWithClient } from './testing/client.js';

describe('startClusterSim', () => {
  let sim: ClusterSim;
  let core: CoreV1Api;
  beforeAll(async () => {
    const started = await startWithClient({ nodes: 3 });
    sim = started.sim;
    core = started.kc.makeApiClient(CoreV1Api);
  });
  afterAll(() => sim.close());

  it('lists nodes', async () => {
    const nodes = await core.listNode();
    expect(nodes.items.map((n) => n.metadata?.name)).toEqual(['gpu-node-0', 'gpu-node-1', 'gpu-node-2']);
    const pods = await core.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName=gpu-node-1' });
    expect(pods.items.length).toBe(4);
    expect(pods.items.every((pod) => pod.spec?.nodeName === 'gpu-node-1' && pod.status?.phase === 'Running')).toBe(
      true,
    );
  });
});
