import { startClusterSim, type ClusterSim } from '@nvsentinel/cluster-sim';
import { createKubeClient, type KubeClient } from '@nvsentinel/k8s';
import { eventually } from '@nvsentinel/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequestRefInvalidError } from '../errors.js';
import { bootIdOf } from '../node-facts.js';
import { SimProvider } from './sim-provider.js';

describe('sim provider against the cluster simulator', () => {
  let sim: ClusterSim;
  let kube: KubeClient;
  let provider: SimProvider;

  beforeAll(async () => {
    sim = await startClusterSim({ nodes: 3, podsPerNode: 1, disruptionBudgets: false, timeScale: 10 });
    kube = createKubeClient({ kubeconfig: sim.kubeconfig, qps: Infinity, burst: 1 });
    provider = new SimProvider({ kube, rebootDownSeconds: 5 });
  });
  afterAll(async () => {
    kube?.close();
    await sim?.close();
  });

  const readNode = (name: string) => kube.core.readNode({ name });
  const readyStatus = async (name: string) =>
    (await readNode(name)).status?.conditions?.find((condition) => condition.type === 'Ready')?.status;

  it('reboots: NotReady for the downtime, then Ready with a new bootID, and only then isNodeReady', async () => {
    const before = await readNode('gpu-node-0');
    const { requestRef } = await provider.sendRebootSignal(before);
    expect(requestRef).toContain('csp=sim');
    expect(await provider.isNodeReady(before, requestRef)).toBe(false);

    await eventually(async () => (await readyStatus('gpu-node-0')) === 'Unknown', 'node down');
    expect(await provider.isNodeReady(await readNode('gpu-node-0'), requestRef)).toBe(false);

    const after = await eventually(async () => {
      const node = await readNode('gpu-node-0');
      return (await provider.isNodeReady(node, requestRef)) && node;
    }, 'node back');
    expect(bootIdOf(after)).not.toBe(bootIdOf(before));
    expect(after.metadata?.annotations?.['cluster-sim.nvsentinel.dgxc.nvidia.com/reboot']).toBeUndefined();
    // Untouched nodes keep their boot.
    expect(bootIdOf(await readNode('gpu-node-1'))).toBe(
      bootIdOf(sim.state.nodes().find((n) => n.metadata.name === 'gpu-node-1') as never),
    );
  });

  it('terminates by removing the node, and a repeated terminate is harmless', async () => {
    const node = await readNode('gpu-node-2');
    await provider.sendTerminateSignal(node);
    await expect(readNode('gpu-node-2')).rejects.toMatchObject({ code: 404 });
    await expect(provider.sendTerminateSignal(node)).resolves.toHaveProperty('requestRef');
  });

  it('refuses a reference another provider issued', async () => {
    const node = await readNode('gpu-node-1');
    await expect(provider.isNodeReady(node, 'csp=aws&bootID=x')).rejects.toThrow(RequestRefInvalidError);
    await expect(provider.isNodeReady(node, 'csp=aws&bootID=x')).rejects.toThrow(/send a new reboot signal/);
  });

  it('reports a failing API server as retryable', async () => {
    const node = await readNode('gpu-node-1');
    sim.injectFault({ method: 'PATCH', path: '/api/v1/nodes/gpu-node-1', status: 503, times: 1 });
    await expect(provider.sendRebootSignal(node)).rejects.toMatchObject({
      code: 'NVS_ERR_JANITOR_CSP_UNAVAILABLE',
      retryable: true,
    });
  });
});
