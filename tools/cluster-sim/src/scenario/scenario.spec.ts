import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startClusterSim } from '../start-cluster-sim.js';
import { generateManifests } from './generate.js';
import { validateScenario } from './scenario.js';

describe('scenarios', () => {
  it('builds the same cluster from the same seed and a different one from another seed', () => {
    const names = (seed: number) =>
      generateManifests({ nodes: 4, seed }, '2026-01-01T00:00:00Z').map(
        (object) => `${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`,
      );
    expect(names(3)).toEqual(names(3));
    expect(names(3)).not.toEqual(names(4));
  });

  it('generates GPU nodes with the labels, capacity and providerID services look for', () => {
    const manifests = generateManifests({ nodes: 2, gpusPerNode: 4 }, '2026-01-01T00:00:00Z');
    const node = manifests.find((object) => object.kind === 'Node')!;
    expect(node.metadata.labels).toMatchObject({
      'nvidia.com/gpu.present': 'true',
      'nvidia.com/gpu.count': '4',
      'kubernetes.io/hostname': 'gpu-node-0',
    });
    expect((node.spec as { providerID: string }).providerID).toMatch(/^aws:\/\/\/us-east-1a\/i-0[0-9a-f]{16}$/);
    expect((node.status as { capacity: Record<string, string> }).capacity['nvidia.com/gpu']).toBe('4');
    const daemonSetPods = manifests.filter(
      (object) => object.kind === 'Pod' && object.metadata.ownerReferences?.[0]?.kind === 'DaemonSet',
    );
    expect(daemonSetPods).toHaveLength(4);
  });

  it('never generates two pods with the same name, even on 1,000 nodes', () => {
    const pods = generateManifests({ nodes: 1000, podsPerNode: 4 }, '2026-01-01T00:00:00Z').filter(
      (object) => object.kind === 'Pod',
    );
    const keys = pods.map((pod) => `${pod.metadata.namespace}/${pod.metadata.name}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('accepts a built-in namespace among the requested ones', async () => {
    const sim = await startClusterSim({ nodes: 0, namespaces: ['kube-system', 'nvsentinel'] });
    try {
      expect(sim.state.get('v1', 'Namespace', 'nvsentinel')).toBeDefined();
    } finally {
      await sim.close();
    }
  });

  it('creates the DaemonSets that generated pods name as owners, with matching uids', async () => {
    const sim = await startClusterSim({ nodes: 2, podsPerNode: 0 });
    try {
      const daemonSet = sim.state.get('apps/v1', 'DaemonSet', 'nvidia-driver-daemonset', 'gpu-operator');
      const owned = sim.state
        .pods()
        .filter((pod) => pod.metadata.ownerReferences?.[0]?.name === 'nvidia-driver-daemonset');
      expect(owned).toHaveLength(2);
      expect(owned.every((pod) => pod.metadata.ownerReferences?.[0]?.uid === daemonSet?.metadata.uid)).toBe(true);
    } finally {
      await sim.close();
    }
  });

  it('loads a YAML scenario file, with inline options overriding it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cluster-sim-'));
    try {
      const file = join(dir, 'scenario.yaml');
      await writeFile(
        file,
        [
          'seed: 11',
          'nodes:',
          '  - name: dgx-a',
          '    ready: false',
          '  - name: dgx-b',
          '    unschedulable: true',
          'podsPerNode: 1',
          'namespaces: [nvsentinel]',
          'objects:',
          '  - apiVersion: v1',
          '    kind: ConfigMap',
          '    metadata: { name: fault-quarantine, namespace: nvsentinel }',
          '    data: { config.toml: "label-prefix = \'k8saas.nvidia.com/\'" }',
        ].join('\n'),
      );
      const sim = await startClusterSim({
        scenarioFile: file,
        podsPerNode: 2,
        kubeconfigPath: join(dir, 'kube', 'config'),
      });
      try {
        expect(sim.state.nodes().map((node) => node.metadata.name)).toEqual(['dgx-a', 'dgx-b']);
        expect(sim.state.pods().filter((pod) => pod.metadata.namespace !== 'gpu-operator')).toHaveLength(4);
        expect(sim.state.get('v1', 'ConfigMap', 'fault-quarantine', 'nvsentinel')?.data).toEqual({
          'config.toml': "label-prefix = 'k8saas.nvidia.com/'",
        });
        expect(sim.kubeconfigPath).toBe(join(dir, 'kube', 'config'));
      } finally {
        await sim.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names the offending key of a malformed scenario', () => {
    expect(() => validateScenario({ node: 3 }, 'x.yaml')).toThrow('unknown key "node"');
    expect(() => validateScenario({ objects: [{ kind: 'Pod' }] }, 'x.yaml')).toThrow('objects[0] must be a manifest');
  });

  it('reports a manifest of an unserved kind with the fix', async () => {
    await expect(
      startClusterSim({ objects: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'd' } }] }),
    ).rejects.toThrow('does not serve apiVersion "apps/v1" kind "ReplicaSet"');
  });
});
