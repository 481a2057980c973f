/**
 * Start order: faults accepted while no consumer has ever run (a fresh install, a consumer in a
 * crash loop, a slow image pull) are acted on once the consumers start — quarantined and drained,
 * each exactly once (cordons on the nodes, accepted evictions per pod on the simulator) — on
 * the embedded datastore and on PostgreSQL. Before the cold-start rule a consumer without a
 * stored position started at "now" and such events were stored and never acted on.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startClusterSim, type ClusterSim } from '@nvsentinel/cluster-sim';
import { EvictionStatus, QuarantineStatus } from '@nvsentinel/health-model';
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
/** config/node-drainer.toml's systemNamespaces: their pods are never evicted. */
const SYSTEM_NAMESPACES = /^(nvsentinel|kube-system|gpu-operator|gmp-system|network-operator|skyhook)$/;

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
    'are quarantined and drained once the consumers first start: each node cordoned once, each pod evicted once',
    async () => {
      dir = await mkdtemp(join(tmpdir(), 'nvs-start-order-'));
      database = provider === 'postgresql' ? await createTestDatabase('start_order') : undefined;
      const config: DataStoreConfig = database ? database.config : chooseDatastore({}).config;
      // Without the inference PodDisruptionBudget: it lets one inference pod go at a time across the
      // cluster, so drains of different nodes would wait for each other with node-drainer's 10 s,
      // 20 s, 40 s … backoff — a test of budgets, not of start order.
      const scenario = localScenario();
      sim = await startClusterSim({
        ...scenario,
        objects: scenario.objects.filter((o) => o.kind !== 'PodDisruptionBudget'),
        port: 0,
      });
      const nodes = ['gpu-node-1', 'gpu-node-3', 'gpu-node-4', 'gpu-node-6'];

      // The ingest accepted these; fault-quarantine and node-drainer have never run.
      const datastore: DataStore = await createDataStore(config);
      const ids = await datastore
        .healthEventStore()
        .insertHealthEvents(
          ...nodes.map((node) => ({ healthEvent: xidEvent({ node, xid: 79, gpu: 0, monitor: 'syslog' }) })),
        );

      // The user pods node-drainer must evict: every pod on those nodes outside the system namespaces.
      const kube = createKubeClient({ kubeconfig: sim.kubeconfig, qps: Infinity });
      const userPods = (await kube.core.listPodForAllNamespaces()).items
        .filter(
          (pod) => nodes.includes(pod.spec?.nodeName ?? '') && !SYSTEM_NAMESPACES.test(pod.metadata?.namespace ?? ''),
        )
        .map((pod) => `${pod.metadata?.namespace}/${pod.metadata?.name}`)
        .sort();
      expect(userPods.length).toBeGreaterThan(0);

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
            return true;
          },
          `event ${id} quarantined`,
          { timeoutMs: FLOW_TIMEOUT_MS },
        );
      }
      // Before the drains end: after a drain, fault-remediation reboots the node and it is uncordoned.
      const nodeOps = new NodeOps(kube);
      for (const node of nodes) expect((await nodeOps.get(node)).spec?.unschedulable).toBe(true);
      for (const id of ids) {
        await eventually(
          async () => {
            const status = (await store.findHealthEventById(id))?.healthEventStatus;
            expect(status?.userPodsEvictionStatus.status).toBe(EvictionStatus.Succeeded);
            return true;
          },
          `event ${id} drained`,
          { timeoutMs: FLOW_TIMEOUT_MS },
        );
      }
      const fq = stack.services.find((s) => s.name === 'fault-quarantine')!;
      expect(await metricTotal(fq.metricsUrl, 'fault_quarantine_cordons_applied_total')).toBe(nodes.length);
      // Drained exactly once: every user pod evicted by exactly one accepted eviction (a refused
      // one — the PodDisruptionBudget's 429 — is retried, and is no duplicate).
      const accepted = new Map<string, number>();
      for (const r of sim.requests.records)
        if (r.resource === 'pods/eviction' && r.code !== undefined && r.code < 300) {
          const pod = `${r.namespace}/${r.name}`;
          accepted.set(pod, (accepted.get(pod) ?? 0) + 1);
        }
      expect([...accepted.keys()].sort()).toEqual(userPods);
      expect([...accepted.entries()].filter(([, n]) => n !== 1)).toEqual([]);
    },
    FLOW_TIMEOUT_MS * 2,
  );
});
