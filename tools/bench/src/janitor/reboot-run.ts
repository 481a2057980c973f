/**
 * One measured burst: N RebootNode CRs created at once on a cluster simulator (a child process
 * running the shipped `serve.js`, real time, every reboot taking a fixed simulated downtime),
 * reconciled by janitor with the `sim` CSP provider. A watch on the CRs timestamps, per CR, when
 * SignalSent=True and NodeReady=True first appear.
 *
 * janitor has no `main.js` yet (the lead wires it into the shared entry point), and tools may not
 * import apps, so the built janitor (`apps/janitor/dist`) is loaded by path at run time.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createKubeClient, watchCustomObjects, type KubeClient } from '@nvsentinel/k8s';
import { createLogger, createMetricsRegistry } from '@nvsentinel/service-kit';
import { parse as parseYaml } from 'yaml';
import { SIM_SERVE, WORKSPACE_ROOT, startChild, waitForOutput } from '../node-drainer/processes.js';

const JANITOR_DIST = join(WORKSPACE_ROOT, 'apps/janitor/dist');
const CRD_DIR = join(WORKSPACE_ROOT, 'apps/janitor/crds');
const REBOOT_NODES = { group: 'janitor.dgxc.nvidia.com', version: 'v1alpha1', plural: 'rebootnodes' };

export interface RebootRunOptions {
  label: string;
  nodes: number;
  downSeconds: number;
  qps: number;
  burst: number;
  workers: number;
}

export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface RebootRunResult extends RebootRunOptions {
  /** From the first create to the last NodeReady=True. */
  seconds: number;
  rebootsPerSecond: number;
  toSignalSent: Percentiles;
  toNodeReady: Percentiles;
  /** CR created → NodeReady minus the fixed downtime: what janitor itself adds. */
  beyondDowntime: Percentiles;
  signals: number;
  kubeRequests: number;
}

interface JanitorModule {
  createJanitor(deps: Record<string, unknown>): { start(): Promise<void>; stop(): Promise<void> };
  parseJanitorConfig(text: string): unknown;
}

interface SimProviderModule {
  SimProvider: new (options: { kube: KubeClient; rebootDownSeconds: number }) => {
    name: string;
    sendRebootSignal(node: unknown): Promise<{ requestRef: string }>;
    isNodeReady(node: unknown, ref: string): Promise<boolean>;
    sendTerminateSignal(node: unknown): Promise<{ requestRef: string }>;
  };
}

export function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted[sorted.length - 1] ?? Number.NaN };
}

export async function runReboots(options: RebootRunOptions, log: (line: string) => void): Promise<RebootRunResult> {
  const janitorModule = (await import(pathToFileURL(join(JANITOR_DIST, 'index.js')).href)) as JanitorModule;
  const simModule = (await import(pathToFileURL(join(JANITOR_DIST, 'providers/sim/sim-provider.js')).href)) as SimProviderModule;
  const dir = mkdtempSync(join(tmpdir(), 'janitor-bench-'));
  const crds = readdirSync(CRD_DIR).filter((f) => f.endsWith('.yaml')).map((f) => parseYaml(readFileSync(join(CRD_DIR, f), 'utf8')));
  const scenario = join(dir, 'scenario.json');
  writeFileSync(scenario, JSON.stringify({ nodes: options.nodes, podsPerNode: 0, disruptionBudgets: false, timeScale: 1, namespaces: ['nvsentinel'], objects: crds }));
  const kubeconfigPath = join(dir, 'kubeconfig');
  const sim = startChild(SIM_SERVE, ['--scenario', scenario, '--port', '0', '--kubeconfig', kubeconfigPath]);
  let janitor: { start(): Promise<void>; stop(): Promise<void> } | undefined;
  const admin = { client: undefined as KubeClient | undefined };
  try {
    await waitForOutput(sim, 'kubeconfig written');
    const kubeconfig = readFileSync(kubeconfigPath, 'utf8');
    admin.client = createKubeClient({ kubeconfig, qps: Infinity, burst: 1, userAgent: 'bench-admin' });
    let requests = 0;
    const kube = createKubeClient({
      kubeconfig,
      qps: options.qps,
      burst: options.burst,
      userAgent: 'janitor',
      metrics: { onRequest: () => void requests++ },
    });
    const signals = { count: 0 };
    const inner = new simModule.SimProvider({ kube: admin.client, rebootDownSeconds: options.downSeconds });
    const provider = {
      name: 'sim',
      sendRebootSignal: (node: unknown) => {
        signals.count++;
        return inner.sendRebootSignal(node);
      },
      isNodeReady: (node: unknown, ref: string) => inner.isNodeReady(node, ref),
      sendTerminateSignal: (node: unknown) => inner.sendTerminateSignal(node),
    };
    const created = new Map<string, number>();
    const signalled = new Map<string, number>();
    const ready = new Map<string, number>();
    let allReady: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (allReady = resolve));
    const watch = watchCustomObjects(admin.client, REBOOT_NODES, (change) => {
      const name = change.object.metadata?.name;
      const conditions = ((change.object.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions) ?? [];
      if (!name) return;
      const now = performance.now();
      if (!signalled.has(name) && conditions.some((c) => c.type === 'SignalSent' && c.status === 'True')) signalled.set(name, now);
      if (!ready.has(name) && conditions.some((c) => c.type === 'NodeReady' && c.status === 'True')) {
        ready.set(name, now);
        if (ready.size === options.nodes) allReady();
      }
    });
    await watch.waitForSync();
    janitor = janitorModule.createJanitor({
      kube,
      logger: createLogger({ name: 'janitor-bench', level: process.env.LOG_LEVEL ?? 'warn' }),
      namespace: 'nvsentinel',
      config: janitorModule.parseJanitorConfig('global:\n  timeout: 25m\n'),
      provider,
      registry: createMetricsRegistry(),
      options: { workers: options.workers, ttl: { enabled: false } },
    });
    await janitor.start();

    const started = performance.now();
    const api = admin.client.customObjects;
    await Promise.all(
      Array.from({ length: options.nodes }, async (_, i) => {
        const name = `maintenance-gpu-node-${i}`;
        created.set(name, performance.now());
        await api.createClusterCustomObject({
          ...REBOOT_NODES,
          body: { apiVersion: 'janitor.dgxc.nvidia.com/v1alpha1', kind: 'RebootNode', metadata: { name }, spec: { nodeName: `gpu-node-${i}`, force: false } },
        });
      }),
    );
    const progress = setInterval(() => log(`  … ${options.label}: ${signalled.size} signalled, ${ready.size}/${options.nodes} ready after ${((performance.now() - started) / 1000).toFixed(0)} s`), 30_000);
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${options.label}: only ${ready.size}/${options.nodes} ready after 280 s`)), 280_000).unref());
    try {
      await Promise.race([finished, timeout]);
    } finally {
      clearInterval(progress);
    }
    const seconds = (performance.now() - started) / 1000;
    await watch.stop();
    const names = [...created.keys()];
    const toSignal = names.map((n) => (signalled.get(n)! - created.get(n)!) / 1000);
    const toReady = names.map((n) => (ready.get(n)! - created.get(n)!) / 1000);
    return {
      ...options,
      seconds,
      rebootsPerSecond: options.nodes / seconds,
      toSignalSent: percentiles(toSignal),
      toNodeReady: percentiles(toReady),
      beyondDowntime: percentiles(toReady.map((s) => s - options.downSeconds)),
      signals: signals.count,
      kubeRequests: requests,
    };
  } finally {
    await janitor?.stop();
    admin.client?.close();
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
