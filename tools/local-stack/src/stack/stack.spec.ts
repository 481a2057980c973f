import { describe, expect, it } from 'vitest';
import { formatBanner } from '../banner.js';
import { chooseDatastore } from './datastore-choice.js';
import { localScenario } from './cluster-scenario.js';
import { loadNodeDrainerConfig } from './local-config.js';

describe('datastore choice', () => {
  it('is the embedded provider in memory when no datastore variable is set', () => {
    const choice = chooseDatastore({});
    expect(choice.config.provider).toBe('embedded');
    expect(choice.config.options.dataDir).toBeUndefined();
    expect(choice.shareableAcrossProcesses).toBe(false);
  });

  it('keeps the embedded database on disk with DATASTORE_DATA_DIR', () => {
    expect(chooseDatastore({ DATASTORE_DATA_DIR: '.nvsentinel/data' }).config.options.dataDir).toBe('.nvsentinel/data');
  });

  it('follows the DATASTORE_* variables the services read, and then lets each service run as its own process', () => {
    const choice = chooseDatastore({
      DATASTORE_PROVIDER: 'postgresql',
      DATASTORE_HOST: 'db.example',
      DATASTORE_DATABASE: 'nvs',
    });
    expect(choice.config.provider).toBe('postgresql');
    expect(choice.config.connection).toMatchObject({ host: 'db.example', database: 'nvs' });
    expect(choice.shareableAcrossProcesses).toBe(true);
    expect(choice.description).toContain('db.example');
  });
});

describe('local configuration', () => {
  it('drains every user namespace Immediately with a short grace, never the system namespaces', () => {
    const config = loadNodeDrainerConfig();
    expect(config.userNamespaces).toEqual([expect.objectContaining({ name: '*', mode: 'Immediate' })]);
    expect(config.evictionTimeoutSeconds).toBe(3);
    expect(config.systemNamespaces.test('gpu-operator')).toBe(true);
  });

  it("simulates 8 GPU nodes with the nvsentinel namespace, janitor's CRDs and only the inference budget", () => {
    const scenario = localScenario();
    expect(scenario.nodes).toBe(8);
    expect(scenario.namespaces).toContain('nvsentinel');
    expect(scenario.disruptionBudgets).toBe(false);
    expect(scenario.objects.map((o) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`)).toEqual([
      'CustomResourceDefinition /externalremediationrequests.nvsentinel.dgxc.nvidia.com',
      'CustomResourceDefinition /gpuresets.janitor.dgxc.nvidia.com',
      'CustomResourceDefinition /rebootnodes.janitor.dgxc.nvidia.com',
      'CustomResourceDefinition /terminatenodes.janitor.dgxc.nvidia.com',
      'PodDisruptionBudget inference/inference-server',
    ]);
  });
});

describe('banner', () => {
  it('names every address a newcomer needs and the next commands to type', () => {
    const banner = formatBanner({
      endpoints: {
        ingestUrl: 'http://127.0.0.1:8080',
        socketPath: '/repo/.nvsentinel/nvsentinel.sock',
        kubeconfigPath: '/repo/.nvsentinel/kubeconfig',
        kubernetesUrl: 'http://127.0.0.1:6443',
        datastore: 'provider=embedded storage=memory',
        mode: 'in-process',
        services: [{ name: 'platform-connectors', metricsUrl: 'http://127.0.0.1:2112' }],
        startedAt: '2026-11-21T09:00:00.000Z',
        pid: 1,
      },
      nodes: ['gpu-node-0', 'gpu-node-1', 'gpu-node-2', 'gpu-node-3', 'gpu-node-4'],
      readyInMs: 4200,
      cwd: '/repo',
    });
    for (const text of [
      '4.2 s',
      'http://127.0.0.1:8080/api/v1/health-events',
      'unix:///repo/.nvsentinel/nvsentinel.sock',
      'http://127.0.0.1:6443',
      '.nvsentinel/kubeconfig',
      'http://127.0.0.1:2112/metrics',
      'gpu-node-0 … gpu-node-4',
      'npx nvsentinel inject --node gpu-node-3 --xid 79',
    ]) {
      expect(banner).toContain(text);
    }
  });
});
