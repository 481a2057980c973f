/**
 * One measured burst: N RebootNode CRs created at once on a cluster simulator (a child process
 * running the shipped `serve.js`, real time, every reboot taking a fixed simulated downtime),
 * reconciled by janitor with the `sim` CSP provider. A watch on the CRs timestamps, per CR, when
 * SignalSent=True and NodeReady=True first appear.
 *
 * Two ways to run janitor (tools may not import apps, so the built `apps/janitor/dist` is loaded
 * or started by path): `in-process` calls `createJanitor` with the sim provider injected (no gRPC
 * hop, API requests counted); `processes` starts what ships — `dist/csp-server/main.js --csp=sim`
 * on a Unix socket and `dist/main.js` reaching it through config.yaml's cspProviderHost.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createKubeClient, watchCustomObjects, type KubeClient } from '@nvsentinel/k8s';
import { createLogger, createMetricsRegistry } from '@nvsentinel/service-kit';
import { parse as parseYaml } from 'yaml';
import {
  SIM_SERVE,
  WORKSPACE_ROOT,
  freePort,
  startChild,
  waitForOutput,
  type Child,
} from '../node-drainer/processes.js';

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
  /** `in-process`: createJanitor + injected sim provider; `processes`: janitor and janitor-provider main.js over gRPC. */
  mode: 'in-process' | 'processes';
}

interface Percentiles {
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
  /** janitor's Kubernetes API requests (in-process mode only; undefined for processes). */
  kubeRequests: number | undefined;
}

interface RunningJanitor {
  stop(): Promise<void>;
  signals(): Promise<number>;
  requests(): number | undefined;
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

function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted[sorted.length - 1] ?? Number.NaN };
}

export async function runReboots(options: RebootRunOptions, log: (line: string) => void): Promise<RebootRunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'janitor-bench-'));
  const crds = readdirSync(CRD_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => parseYaml(readFileSync(join(CRD_DIR, f), 'utf8')));
  const scenario = join(dir, 'scenario.json');
  writeFileSync(
    scenario,
    JSON.stringify({
      nodes: options.nodes,
      podsPerNode: 0,
      disruptionBudgets: false,
      timeScale: 1,
      namespaces: ['nvsentinel'],
      objects: crds,
    }),
  );
  const kubeconfigPath = join(dir, 'kubeconfig');
  const sim = startChild(SIM_SERVE, ['--scenario', scenario, '--port', '0', '--kubeconfig', kubeconfigPath]);
  let janitor: RunningJanitor | undefined;
  const admin = { client: undefined as KubeClient | undefined };
  try {
    await waitForOutput(sim, 'kubeconfig written');
    const kubeconfig = readFileSync(kubeconfigPath, 'utf8');
    admin.client = createKubeClient({ kubeconfig, qps: Infinity, burst: 1, userAgent: 'bench-admin' });
    const created = new Map<string, number>();
    const signalled = new Map<string, number>();
    const ready = new Map<string, number>();
    let allReady: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (allReady = resolve));
    const watch = watchCustomObjects(admin.client, REBOOT_NODES, (change) => {
      const name = change.object.metadata?.name;
      const conditions =
        (change.object.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions ??
        [];
      if (!name) return;
      const now = performance.now();
      if (!signalled.has(name) && conditions.some((c) => c.type === 'SignalSent' && c.status === 'True'))
        signalled.set(name, now);
      if (!ready.has(name) && conditions.some((c) => c.type === 'NodeReady' && c.status === 'True')) {
        ready.set(name, now);
        if (ready.size === options.nodes) allReady();
      }
    });
    await watch.waitForSync();
    janitor =
      options.mode === 'in-process'
        ? await startInProcess(options, kubeconfig, admin.client)
        : await startProcesses(options, dir, kubeconfigPath);

    const started = performance.now();
    const api = admin.client.customObjects;
    await Promise.all(
      Array.from({ length: options.nodes }, async (_, i) => {
        const name = `maintenance-gpu-node-${i}`;
        created.set(name, performance.now());
        await api.createClusterCustomObject({
          ...REBOOT_NODES,
          body: {
            apiVersion: 'janitor.dgxc.nvidia.com/v1alpha1',
            kind: 'RebootNode',
            metadata: { name },
            spec: { nodeName: `gpu-node-${i}`, force: false },
          },
        });
      }),
    );
    const progress = setInterval(
      () =>
        log(
          `  … ${options.label}: ${signalled.size} signalled, ${ready.size}/${options.nodes} ready after ${((performance.now() - started) / 1000).toFixed(0)} s`,
        ),
      30_000,
    );
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(
        () => reject(new Error(`${options.label}: only ${ready.size}/${options.nodes} ready after 280 s`)),
        280_000,
      ).unref(),
    );
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
      signals: await janitor.signals(),
      kubeRequests: janitor.requests(),
    };
  } finally {
    await janitor?.stop();
    admin.client?.close();
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function startInProcess(
  options: RebootRunOptions,
  kubeconfig: string,
  admin: KubeClient,
): Promise<RunningJanitor> {
  const janitorModule = (await import(pathToFileURL(join(JANITOR_DIST, 'index.js')).href)) as JanitorModule;
  const simModule = (await import(
    pathToFileURL(join(JANITOR_DIST, 'providers/sim/sim-provider.js')).href
  )) as SimProviderModule;
  let requests = 0;
  const kube = createKubeClient({
    kubeconfig,
    qps: options.qps,
    burst: options.burst,
    userAgent: 'janitor',
    metrics: { onRequest: () => void requests++ },
  });
  let signals = 0;
  const inner = new simModule.SimProvider({ kube: admin, rebootDownSeconds: options.downSeconds });
  const provider = {
    name: 'sim',
    sendRebootSignal: (node: unknown) => {
      signals++;
      return inner.sendRebootSignal(node);
    },
    isNodeReady: (node: unknown, ref: string) => inner.isNodeReady(node, ref),
    sendTerminateSignal: (node: unknown) => inner.sendTerminateSignal(node),
  };
  const janitor = janitorModule.createJanitor({
    kube,
    logger: createLogger({ name: 'janitor-bench', level: process.env.LOG_LEVEL ?? 'warn' }),
    namespace: 'nvsentinel',
    config: janitorModule.parseJanitorConfig('global:\n  timeout: 25m\n'),
    provider,
    registry: createMetricsRegistry(),
    options: { workers: options.workers, ttl: { enabled: false } },
  });
  await janitor.start();
  return { stop: () => janitor.stop(), signals: async () => signals, requests: () => requests };
}

/** The shipped entry points, flagged as the local stack runs them: webhook off, provider on a Unix socket. */
async function startProcesses(options: RebootRunOptions, dir: string, kubeconfigPath: string): Promise<RunningJanitor> {
  const socket = join(dir, 'janitor-provider.sock');
  const providerMetrics = await freePort();
  const common = [
    `--kubeconfig=${kubeconfigPath}`,
    '--namespace=nvsentinel',
    `--log-level=${process.env.LOG_LEVEL ?? 'warn'}`,
  ];
  const children: Child[] = [];
  const stop = async () => {
    for (const child of children.reverse()) await child.stop();
  };
  try {
    const provider = startChild(join(JANITOR_DIST, 'csp-server/main.js'), [
      '--csp=sim',
      `--socket=${socket}`,
      `--sim-reboot-down-seconds=${options.downSeconds}`,
      // The same budget as janitor: every call reads its Node, and the sim provider patches it.
      `--qps=${options.qps}`,
      `--burst=${options.burst}`,
      `--metrics-port=${providerMetrics}`,
      ...common,
    ]);
    children.push(provider);
    await waitForReady(provider, providerMetrics);
    const config = join(dir, 'janitor-config.yaml');
    writeFileSync(
      config,
      `global:\n  timeout: 25m\n  cspProviderHost: unix://${socket}\n  cspProviderInsecure: true\n`,
    );
    const janitorMetrics = await freePort();
    const janitor = startChild(join(JANITOR_DIST, 'main.js'), [
      `--config=${config}`,
      '--enable-webhook=false',
      '--enable-ttl=false',
      `--qps=${options.qps}`,
      `--burst=${options.burst}`,
      `--max-concurrent-reconciles=${options.workers}`,
      `--metrics-port=${janitorMetrics}`,
      ...common,
    ]);
    children.push(janitor);
    await waitForReady(janitor, janitorMetrics);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    stop,
    // janitor-provider counts every answered call; OK SendRebootSignal calls are the signals sent.
    signals: async () => {
      const text = await (await fetch(`http://127.0.0.1:${providerMetrics}/metrics`)).text();
      const line = text
        .split('\n')
        .find(
          (l) =>
            l.startsWith('janitor_provider_requests_total{') &&
            l.includes('method="SendRebootSignal"') &&
            l.includes('code="OK"'),
        );
      return line ? Number(line.split(' ').at(-1)) : 0;
    },
    requests: () => undefined,
  };
}

/** Polls /readyz until the process is ready; fails with its output if it exits first. */
async function waitForReady(child: Child, metricsPort: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.process.exitCode !== null)
      throw new Error(`process exited (${child.process.exitCode}) before it was ready:\n${child.output()}`);
    const ok = await fetch(`http://127.0.0.1:${metricsPort}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`process not ready within ${timeoutMs} ms:\n${child.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
