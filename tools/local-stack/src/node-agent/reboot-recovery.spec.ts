import { startClusterSim, type ClusterSim } from '@nvsentinel/cluster-sim';
import type { HealthEvent } from '@nvsentinel/health-model';
import { createKubeClient, type KubeClient } from '@nvsentinel/k8s';
import { createLogger } from '@nvsentinel/service-kit';
import { eventually } from '@nvsentinel/service-kit/testing';
import { createDataStore, type DataStore } from '@nvsentinel/store-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { healthyEvent, xidEvent } from '../cli/health-events.js';
import { chooseDatastore } from '../stack/datastore-choice.js';
import { openNodeFaults, startRebootRecovery, type RebootRecovery } from './reboot-recovery.js';

const stored = (event: HealthEvent, at: number) => ({
  id: `id-${at}`,
  createdAt: new Date(at * 1000),
  healthEvent: { ...event, generatedTimestamp: { seconds: at, nanos: 0 } },
  healthEventStatus: {
    nodeQuarantined: '',
    userPodsEvictionStatus: { status: '', message: '' },
    faultRemediated: null,
    spanIds: {},
  },
});

describe('open node faults', () => {
  it('keeps the latest unhealthy event per monitor check; a healthy event clears its check; other agents are not the node monitors', () => {
    const xid = (code: number, monitor: 'syslog' | 'gpu') => xidEvent({ node: 'n', xid: code, gpu: 0, monitor });
    const analyzer = { ...xid(79, 'syslog'), agent: 'health-events-analyzer', checkName: 'MultipleRemediations' };
    const open = openNodeFaults([
      stored(xid(48, 'syslog'), 10),
      stored(xid(79, 'syslog'), 20),
      stored(xid(94, 'gpu'), 30),
      stored(healthyEvent({ node: 'n', monitor: 'gpu' }), 40),
      stored(analyzer, 50),
    ]);
    expect(open.map((e) => [e.agent, e.errorCode[0]])).toEqual([['syslog-health-monitor', '79']]);
    expect(
      openNodeFaults([stored(xid(79, 'syslog'), 20), stored(healthyEvent({ node: 'n', monitor: 'syslog' }), 21)]),
    ).toEqual([]);
  });
});

describe('simulated node monitors after a reboot (cluster simulator, embedded datastore)', () => {
  let sim: ClusterSim;
  let kube: KubeClient;
  let datastore: DataStore;
  const logger = createLogger({ name: 'test', level: 'silent' });

  beforeAll(async () => {
    sim = await startClusterSim({ nodes: 3, podsPerNode: 1, disruptionBudgets: false, timeScale: 50 });
    kube = createKubeClient({ kubeconfig: sim.kubeconfig, qps: Infinity, burst: 1 });
    datastore = await createDataStore(chooseDatastore({}).config);
  });
  afterAll(async () => {
    kube?.close();
    await datastore?.close();
    await sim?.close();
  });

  const run = async (notFixedFraction: number, node: string) => {
    const sent: HealthEvent[][] = [];
    const recovery: RebootRecovery = await startRebootRecovery({
      kube,
      datastore,
      logger,
      notFixedFraction,
      random: () => 0.5,
      send: async (events) => void sent.push(events),
    });
    try {
      await datastore
        .healthEventStore()
        .insertHealthEvents({ healthEvent: xidEvent({ node, xid: 79, gpu: 2, monitor: 'syslog' }) });
      await sim.rebootNode(node, { downSeconds: 20 });
      await eventually(() => sent.length > 0, 'the monitors report after the boot');
      return { sent, recovery };
    } finally {
      await recovery.stop();
    }
  };

  it('clears every open fault with a healthy event for its check once the node is Ready with a new bootID', async () => {
    const { sent, recovery } = await run(0, 'gpu-node-0');
    expect(sent).toHaveLength(1);
    expect(sent[0]).toEqual([
      expect.objectContaining({
        nodeName: 'gpu-node-0',
        agent: 'syslog-health-monitor',
        checkName: 'SysLogsXIDError',
        isHealthy: true,
        entitiesImpacted: [],
      }),
    ]);
    expect(recovery.recoveries).toBe(1);
  });

  it('reports the fault again when the reboot did not fix it (the configured fraction of reboots)', async () => {
    const { sent } = await run(1, 'gpu-node-1');
    expect(sent[0]).toEqual([
      expect.objectContaining({ nodeName: 'gpu-node-1', isHealthy: false, isFatal: true, errorCode: ['79'] }),
    ]);
  });

  it('refuses a fraction outside 0…1', async () => {
    await expect(
      startRebootRecovery({ kube, datastore, logger, notFixedFraction: 2, send: async () => undefined }),
    ).rejects.toThrow(/between 0 and 1/);
  });
});
