/**
 * One measured burst: N quarantined nodes whose drains all finish at once (node-drainer's
 * `Succeeded` write, as fast as PostgreSQL takes it), remediated by the shipped fault-remediation
 * process (`apps/fault-remediation/dist/main.js`, chart default actions) against a cluster
 * simulator child process (the shipped `serve.js`). The bench plays node-drainer with its own
 * datastore connection, as in a cluster, and a watch on RebootNode CRs timestamps, per event,
 * when its CR appears; the latency is from the drain write committing to the CR being observed.
 *
 * FR_BENCH_PROFILE=<dir> writes CPU profiles of both children (`node --cpu-prof`) to tell where
 * the time goes: fault-remediation's own work or the simulator's.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleHealthEvent } from '@nvsentinel/health-model';
import { createKubeClient, watchCustomObjects, type KubeClient } from '@nvsentinel/k8s';
import { createDataStore, datastoreEnvironment } from '@nvsentinel/store-client';
import { parse as parseYaml } from 'yaml';
import { SIM_SERVE, WORKSPACE_ROOT, freePort, startChild, waitForOutput } from '../node-drainer/processes.js';
import { createBenchDatabase } from '../store/database.js';

const APP = join(WORKSPACE_ROOT, 'apps/fault-remediation');
const REMEDIATION_MAIN = join(APP, 'dist/main.js');
const CRD_DIR = join(WORKSPACE_ROOT, 'apps/janitor/crds');
const REBOOT_NODES = { group: 'janitor.dgxc.nvidia.com', version: 'v1alpha1', plural: 'rebootnodes' };

interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted[sorted.length - 1] ?? Number.NaN };
}

export interface RemediationRunOptions {
  label: string;
  nodes: number;
  /**
   * Nodes remediated (and not measured) before the burst, so the burst meets a process with
   * compiled code and open connections, as a long-running one would be; 0 measures a cold start.
   */
  warmUpNodes: number;
  qps: number;
  burst: number;
  workers: number;
}

export interface RemediationRunResult extends RemediationRunOptions {
  /** From the first drain write to the last CR observed. */
  seconds: number;
  crsPerSecond: number;
  drainedToCr: Percentiles;
  /** From the first drain write to the last one committing (the burst's own spread). */
  drainWritesSeconds: number;
  kubeRequests: number;
  /** Mean client-side latency per request kind during the burst, from the process's metrics. */
  requestLatencyMs: Record<string, number>;
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

/** `node <script>`, or with `--cpu-prof` into `FR_BENCH_PROFILE` when set. */
function startProfiled(script: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const dir = process.env.FR_BENCH_PROFILE;
  return dir
    ? startChild('--cpu-prof', [`--cpu-prof-dir=${dir}`, script, ...args], env)
    : startChild(script, args, env);
}

export async function runRemediation(
  options: RemediationRunOptions,
  log: (line: string) => void,
): Promise<RemediationRunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'fr-bench-'));
  const scenario = join(dir, 'scenario.json');
  writeFileSync(
    scenario,
    JSON.stringify({
      nodes: options.nodes + options.warmUpNodes,
      podsPerNode: 0,
      daemonSets: false,
      disruptionBudgets: false,
      namespaces: ['nvsentinel'],
      objects: [rebootNodeCrd()],
    }),
  );
  // The chart defaults with the repository's template folder as the mount path.
  const configPath = join(dir, 'config.toml');
  writeFileSync(
    configPath,
    readFileSync(join(APP, 'config/config.toml'), 'utf8').replace(
      /^mountPath = .*$/m,
      `mountPath = ${JSON.stringify(join(APP, 'config/templates'))}`,
    ),
  );
  const kubeconfigPath = join(dir, 'kubeconfig');
  const sim = startProfiled(SIM_SERVE, ['--scenario', scenario, '--port', '0', '--kubeconfig', kubeconfigPath]);
  const database = await createBenchDatabase();
  const datastore = await createDataStore(database.config());
  let remediation: ReturnType<typeof startChild> | undefined;
  let watch: { stop(): Promise<void> } | undefined;
  try {
    await waitForOutput(sim, 'kubeconfig written');
    const kubeconfig = readFileSync(kubeconfigPath, 'utf8');
    const admin: KubeClient = createKubeClient({ kubeconfig, qps: Infinity, burst: 1, userAgent: 'bench-admin' });
    const store = datastore.healthEventStore();
    await store.countHealthEvents(); // creates the schema before fault-remediation starts

    const observed = new Map<string, number>();
    let expected = options.warmUpNodes;
    let allCreated: () => void = () => undefined;
    let finished = new Promise<void>((resolve) => (allCreated = resolve));
    const w = watchCustomObjects(admin, REBOOT_NODES, (change) => {
      const name = change.object.metadata?.name;
      if (!name || observed.has(name)) return;
      observed.set(name, performance.now());
      if (observed.size === expected) allCreated();
    });
    watch = w;
    await w.waitForSync();

    const metricsPort = await freePort();
    remediation = startProfiled(
      REMEDIATION_MAIN,
      [
        `--kubeconfig-path=${kubeconfigPath}`,
        `--config-path=${configPath}`,
        `--metrics-port=${metricsPort}`,
        '--namespace=nvsentinel',
        `--qps=${options.qps}`,
        `--burst=${options.burst}`,
        `--workers=${options.workers}`,
      ],
      {
        ...datastoreEnvironment(database.config()),
        DATASTORE_SSLMODE: 'disable',
        DATASTORE_CHANGE_STREAM_POLL_MS: '50',
        LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      },
    );
    await waitForReady(metricsPort, remediation.output);

    if (options.warmUpNodes > 0) {
      const warmUp = await store.insertHealthEvents(
        ...Array.from({ length: options.warmUpNodes }, (_, i) => ({
          healthEvent: sampleHealthEvent({ nodeName: `gpu-node-${options.nodes + i}`, recommendedAction: 15 }),
        })),
      );
      await Promise.all(warmUp.map((id) => store.updateNodeQuarantineStatus(id, 'Quarantined')));
      await Promise.all(warmUp.map((id) => store.updatePodEvictionStatus(id, { status: 'Succeeded', message: '' })));
      await finished;
      await new Promise((r) => setTimeout(r, 1_000)); // their outcome writes too
      observed.clear();
      finished = new Promise<void>((resolve) => (allCreated = resolve));
    }
    expected = options.nodes;

    // fault-quarantine's part first (not measured), then the drains finish in one burst.
    const ids = await store.insertHealthEvents(
      ...Array.from({ length: options.nodes }, (_, i) => ({
        healthEvent: sampleHealthEvent({ nodeName: `gpu-node-${i}`, recommendedAction: 15 }),
      })),
    );
    await Promise.all(ids.map((id) => store.updateNodeQuarantineStatus(id, 'Quarantined')));
    const before = await scrapeRequests(metricsPort);
    const drainedAt = new Map<string, number>();
    const started = performance.now();
    await Promise.all(
      ids.map(async (id, i) => {
        await store.updatePodEvictionStatus(id, { status: 'Succeeded', message: '' });
        drainedAt.set(`maintenance-gpu-node-${i}-${id}`, performance.now());
      }),
    );
    const drainWritesSeconds = (performance.now() - started) / 1000;
    const progress = setInterval(() => {
      log(
        `  … ${options.label}: ${observed.size}/${options.nodes} CRs after ${((performance.now() - started) / 1000).toFixed(0)} s`,
      );
      if (remediation?.process.exitCode !== null) log(`  fault-remediation exited:\n${remediation?.output()}`);
    }, 30_000);
    await finished;
    clearInterval(progress);
    const last = Math.max(...observed.values());
    const latencies = [...observed.entries()].map(([name, at]) => (at - (drainedAt.get(name) ?? started)) / 1000);
    const seconds = (last - started) / 1000;
    // The outcome writes after each CR (node annotation and label) are part of the cost per CR.
    await new Promise((r) => setTimeout(r, 1_000));
    const after = await scrapeRequests(metricsPort);
    const requestLatencyMs: Record<string, number> = {};
    for (const [kind, a] of after.byKind) {
      const b = before.byKind.get(kind) ?? { count: 0, seconds: 0 };
      if (a.count > b.count) requestLatencyMs[kind] = ((a.seconds - b.seconds) / (a.count - b.count)) * 1000;
    }
    return {
      ...options,
      seconds,
      crsPerSecond: options.nodes / seconds,
      drainedToCr: percentiles(latencies),
      drainWritesSeconds,
      kubeRequests: after.total - before.total,
      requestLatencyMs,
    };
  } finally {
    await remediation?.stop();
    await watch?.stop();
    await sim.stop();
    await datastore.close();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function waitForReady(port: number, output: () => string): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`fault-remediation never became ready:\n${output()}`);
}

interface RequestTotals {
  total: number;
  /** `<verb> <resource>` → requests and their summed duration. */
  byKind: Map<string, { count: number; seconds: number }>;
}

/** The process's Kubernetes request counter and duration histogram, from /metrics. */
async function scrapeRequests(port: number): Promise<RequestTotals> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const byKind = new Map<string, { count: number; seconds: number }>();
  let total = 0;
  for (const line of text.split('\n')) {
    const match = /^fault_remediation_kube_request_duration_seconds_(sum|count)\{([^}]*)\} (\S+)$/.exec(line);
    if (match) {
      const labels = Object.fromEntries([...match[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
      const kind = `${labels.verb} ${labels.resource}`;
      const entry = byKind.get(kind) ?? { count: 0, seconds: 0 };
      if (match[1] === 'count') entry.count += Number(match[3]);
      else entry.seconds += Number(match[3]);
      byKind.set(kind, entry);
    }
    if (line.startsWith('fault_remediation_kube_requests_total{')) total += Number(line.split(' ').at(-1));
  }
  return { total, byKind };
}
