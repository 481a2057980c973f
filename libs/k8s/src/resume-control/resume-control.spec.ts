import { ConfigMapOps } from '../configmaps/configmap-ops.js';
import { createKubeClient } from '../client/kube-client.js';
import { startClusterSim, type ClusterSim } from '@nvsentinel/cluster-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESUME_CONTROL_CONFIGMAP, decideStart } from './resume-control.js';

describe('resume-control against the cluster simulator', () => {
  let sim: ClusterSim;
  let configMaps: ConfigMapOps;
  beforeAll(async () => {
    sim = await startClusterSim({ nodes: 0, namespaces: ['nvsentinel'] });
    configMaps = new ConfigMapOps(createKubeClient({ kubeconfig: sim.kubeconfig, qps: Infinity, burst: 1 }));
  });
  afterAll(async () => sim?.close());

  const data = async () => (await configMaps.get('nvsentinel', RESUME_CONTROL_CONFIGMAP))?.data ?? {};

  it('creates the entry as RESUME and resumes without a cut-off', async () => {
    const decision = await decideStart(configMaps, 'nvsentinel', 'node-drainer');
    expect(decision.startAt).toBe('resume');
    expect(decision.coldStartCreatedAfter).toBeUndefined();
    expect(await data()).toEqual({ 'node-drainer': 'RESUME' });
  });

  it('CREATE starts fresh, records the cut-off, and returns to RESUME once confirmed; later starts keep the cut-off', async () => {
    await configMaps.createOrUpdate('nvsentinel', RESUME_CONTROL_CONFIGMAP, {
      'node-drainer': 'CREATE',
      'fault-quarantine': 'RESUME',
    });
    const at = new Date('2026-05-01T10:00:00.123Z');
    const decision = await decideStart(configMaps, 'nvsentinel', 'node-drainer', { now: () => at });
    expect(decision.startAt).toBe('now');
    expect(decision.coldStartCreatedAfter).toEqual(at);
    expect(await data()).toMatchObject({
      'node-drainer': 'CREATING',
      'node-drainer.coldStartAfter': at.toISOString(),
      'fault-quarantine': 'RESUME',
    });

    await decision.confirm();
    expect((await data())['node-drainer']).toBe('RESUME');
    const next = await decideStart(configMaps, 'nvsentinel', 'node-drainer');
    expect(next.startAt).toBe('resume');
    expect(next.coldStartCreatedAfter).toEqual(at);
  });

  it('readOnly (dry-run) reads a CREATE request but writes nothing', async () => {
    await configMaps.createOrUpdate('nvsentinel', RESUME_CONTROL_CONFIGMAP, { 'fault-quarantine': 'CREATE' });
    const decision = await decideStart(configMaps, 'nvsentinel', 'fault-quarantine', { readOnly: true });
    expect(decision.startAt).toBe('now');
    await decision.confirm();
    expect((await data())['fault-quarantine']).toBe('CREATE');
    expect((await data())['fault-quarantine.coldStartAfter']).toBeUndefined();
  });
});
