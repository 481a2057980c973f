/**
 * One measured burst: N quarantined nodes whose drains all finish at once (node-drainer's
 * `Succeeded` write, as fast as PostgreSQL takes it), remediated by fault-remediation with the
 * chart's default actions against a cluster simulator child process (the shipped `serve.js`).
 * A watch on RebootNode CRs timestamps, per event, when its CR appears; the latency is from the
 * drain write committing to the CR being observed.
 *
 * fault-remediation has no `main.js` (the lead wires it into the shared entry point), and tools
 * may not import apps, so the built app (`apps/fault-remediation/dist`) is loaded by path.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { sampleHealthEvent } from '@nvsentinel/health-model';
import { createKubeClient, watchCustomObjects, type KubeClient } from '@nvsentinel/k8s';
import { createLogger, createMetricsRegistry } from '@nvsentinel/service-kit';
import { createDataStore } from '@nvsentinel/store-client';
import { parse as parseYaml } from 'yaml';
import { SIM_SERVE, WORKSPACE_ROOT, startChild, waitForOutput } from '../node-drainer/processes.js';
import { createBenchDatabase } from '../store/database.js';

const APP = join(WORKSPACE_ROOT, 'apps/fault-remediation');
const CRD_DIR = join(WORKSPACE_ROOT, 'apps/janitor/crds');
const REBOOT_NODES = { group: 'janitor.dgxc.nvidia.com', version: 'v1alpha1', plural: 'rebootnodes' };

export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted[sorted.length - 1] ?? Number.NaN };
}

export interface RemediationRunOptions {
  label: string;
  nodes: number;
  qps: number;
  burst: number;
  workers: number;
}

export interface RemediationRunResult extends RemediationRunOptions {
  /** From the first drain write to the last CR observed. */
  seconds: number;
  crsPerSecond: number;
  drainedToCr: Percentiles;
  kubeRequests: number;
}

interface FaultRemediationModule {
  createFaultRemediation(deps: Record<string, unknown>): { start(): Promise<void>; stop(): Promise<void> };
  parseRemediationConfig(
    text: string,
    source: string,
    options: { readTemplate(path: string): string | undefined },
  ): unknown;
}

/** The janitor CRDs when the janitor app ships them, else the same group/kind/plural minimally. */
function rebootNodeCrd(): unknown {
  if (existsSync(CRD_DIR)) {
    for (const file of readdirSync(CRD_DIR).filter((f) => f.endsWith('.yaml'))) {
      const crd = parseYaml(readFileSync(join(CRD_DIR, file), 'utf8')) as { spec?: { names?: { plural?: string } } };
      if (crd?.spec?.names?.plural === 'rebootnodes') return crd;
    }
  }
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'rebootnodes.janitor.dgxc.nvidia.com' },
    spec: {
      group: 'janitor.dgxc.nvidia.com',
      scope: 'Cluster',
      names: { kind: 'RebootNode', plural: 'rebootnodes', singular: 'rebootnode', listKind: 'RebootNodeList' },
      versions: [
        {
          name: 'v1alpha1',
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        },
      ],
    },
  };
}

export async function runRemediation(
  options: RemediationRunOptions,
  log: (line: string) => void,
): Promise<RemediationRunResult> {
  const fr = (await import(pathToFileURL(join(APP, 'dist/index.js')).href)) as FaultRemediationModule;
  const dir = mkdtempSync(join(tmpdir(), 'fr-bench-'));
  const scenario = join(dir, 'scenario.json');
  writeFileSync(
    scenario,
    JSON.stringify({
      nodes: options.nodes,
      podsPerNode: 0,
      daemonSets: false,
      disruptionBudgets: false,
      namespaces: ['nvsentinel'],
      objects: [rebootNodeCrd()],
    }),
  );
  const kubeconfigPath = join(dir, 'kubeconfig');
  const sim = startChild(SIM_SERVE, ['--scenario', scenario, '--port', '0', '--kubeconfig', kubeconfigPath]);
  const database = await createBenchDatabase();
  const datastore = await createDataStore(database.config({ changeStreamPollIntervalMs: 50 }));
  let service: { start(): Promise<void>; stop(): Promise<void> } | undefined;
  let watch: { stop(): Promise<void> } | undefined;
  try {
    await waitForOutput(sim, 'kubeconfig written');
    const kubeconfig = readFileSync(kubeconfigPath, 'utf8');
    const admin: KubeClient = createKubeClient({ kubeconfig, qps: Infinity, burst: 1, userAgent: 'bench-admin' });
    let requests = 0;
    const kube = createKubeClient({
      kubeconfig,
      qps: options.qps,
      burst: options.burst,
      userAgent: 'fault-remediation',
      metrics: { onRequest: () => void requests++ },
    });
    const store = datastore.healthEventStore();

    const observed = new Map<string, number>();
    let allCreated: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (allCreated = resolve));
    const w = watchCustomObjects(admin, REBOOT_NODES, (change) => {
      const name = change.object.metadata?.name;
      if (!name || observed.has(name)) return;
      observed.set(name, performance.now());
      if (observed.size === options.nodes) allCreated();
    });
    watch = w;
    await w.waitForSync();

    const templates = join(APP, 'config/templates');
    const config = fr.parseRemediationConfig(readFileSync(join(APP, 'config/config.toml'), 'utf8'), 'config.toml', {
      readTemplate: (path) => {
        const file = join(templates, path.split('/').at(-1)!);
        return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
      },
    });
    service = fr.createFaultRemediation({
      datastore,
      kube,
      logger: createLogger({ name: 'fault-remediation-bench', level: process.env.LOG_LEVEL ?? 'warn' }),
      namespace: 'nvsentinel',
      config,
      registry: createMetricsRegistry(),
      options: { workers: options.workers, maxInFlight: 2000 },
    });
    await service.start();

    // fault-quarantine's part first (not measured), then the drains finish in one burst.
    const ids = await store.insertHealthEvents(
      ...Array.from({ length: options.nodes }, (_, i) => ({
        healthEvent: sampleHealthEvent({ nodeName: `gpu-node-${i}`, recommendedAction: 15 }),
      })),
    );
    await Promise.all(ids.map((id) => store.updateNodeQuarantineStatus(id, 'Quarantined')));
    const drainedAt = new Map<string, number>();
    const started = performance.now();
    const requestsBefore = requests;
    await Promise.all(
      ids.map(async (id, i) => {
        await store.updatePodEvictionStatus(id, { status: 'Succeeded', message: '' });
        drainedAt.set(`maintenance-gpu-node-${i}-${id}`, performance.now());
      }),
    );
    const progress = setInterval(
      () =>
        log(
          `  … ${options.label}: ${observed.size}/${options.nodes} CRs after ${((performance.now() - started) / 1000).toFixed(0)} s`,
        ),
      30_000,
    );
    await finished;
    clearInterval(progress);
    const last = Math.max(...observed.values());
    const latencies = [...observed.entries()].map(([name, at]) => (at - (drainedAt.get(name) ?? started)) / 1000);
    const seconds = (last - started) / 1000;
    return {
      ...options,
      seconds,
      crsPerSecond: options.nodes / seconds,
      drainedToCr: percentiles(latencies),
      kubeRequests: requests - requestsBefore,
    };
  } finally {
    await service?.stop();
    await watch?.stop();
    await sim.stop();
    await datastore.close();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}
