/**
 * The two processes a fault-quarantine benchmark scenario runs: the cluster simulator
 * (`tools/cluster-sim/dist/serve.js`) and the built service (`apps/fault-quarantine/dist/main.js`),
 * each its own Node process like in a cluster, so the service's CPU is not shared with the
 * simulator's or the load generator's event loop.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { datastoreEnvironment, type DataStoreConfig } from '@nvsentinel/store-client';
import { sleep } from '../store/stats.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const SIM_JS = join(ROOT, 'tools/cluster-sim/dist/serve.js');
const FQ_MAIN_JS = join(ROOT, 'apps/fault-quarantine/dist/main.js');

export interface RunningProcess {
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function run(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): { child: ChildProcess; exited: () => boolean; process: RunningProcess } {
  if (!existsSync(file)) throw new Error(`${file} not found; build it first (npm run bench:fault-quarantine does)`);
  const child = spawn(process.execPath, [file, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let exited = false;
  child.once('exit', () => (exited = true));
  return {
    child,
    exited: () => exited,
    process: {
      async stop() {
        if (exited) return;
        const done = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await done;
      },
    },
  };
}

async function waitUntil(
  what: string,
  ready: () => Promise<boolean>,
  exited: () => boolean,
  limitMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    if (exited()) throw new Error(`${what} exited during start-up (see its output above)`);
    if (await ready()) return;
    if (Date.now() > deadline) throw new Error(`${what} did not become ready within ${limitMs / 1000} s`);
    await sleep(100);
  }
}

export async function startSimulator(
  nodes: number,
  dir: string,
): Promise<RunningProcess & { kubeconfigPath: string; url: string }> {
  const port = await freePort();
  const kubeconfigPath = join(dir, `kubeconfig-${port}`);
  const url = `http://127.0.0.1:${port}`;
  // A scenario file, because the flags cannot turn off the DaemonSet pods (whose generated names
  // collide above ~1,000 nodes) and FQ needs no pods at all.
  const scenarioPath = join(dir, `scenario-${port}.json`);
  await writeFile(
    scenarioPath,
    JSON.stringify({ nodes, podsPerNode: 0, daemonSets: false, disruptionBudgets: false, namespaces: ['nvsentinel'] }),
  );
  const { process: proc, exited } = run(
    SIM_JS,
    [`--scenario=${scenarioPath}`, `--port=${port}`, `--kubeconfig=${kubeconfigPath}`],
    {},
  );
  await waitUntil(
    'cluster-sim',
    () =>
      fetch(`${url}/api/v1/namespaces`).then(
        (r) => r.ok,
        () => false,
      ),
    exited,
  );
  return { ...proc, kubeconfigPath, url };
}

export interface FaultQuarantineProcessOptions {
  datastore: DataStoreConfig;
  kubeconfigPath: string;
  workers: number;
  qps: number;
  burst: number;
}

export async function startFaultQuarantine(
  options: FaultQuarantineProcessOptions,
): Promise<RunningProcess & { metric(name: string): Promise<number> }> {
  const metricsPort = await freePort();
  const { process: proc, exited } = run(
    FQ_MAIN_JS,
    [
      `--metrics-port=${metricsPort}`,
      `--kubeconfig-path=${options.kubeconfigPath}`,
      '--namespace=nvsentinel',
      // The storm deliberately cordons every node; the breaker would stop it at 50 %.
      '--circuit-breaker-enabled=false',
      `--workers=${options.workers}`,
      `--qps=${options.qps}`,
      `--burst=${options.burst}`,
    ],
    {
      ...datastoreEnvironment(options.datastore),
      DATASTORE_SSLMODE: 'disable',
      LOG_LEVEL: 'error',
      LOG_FORMAT: 'json',
    },
  );
  const base = `http://127.0.0.1:${metricsPort}`;
  await waitUntil(
    'fault-quarantine',
    () =>
      fetch(`${base}/readyz`).then(
        (r) => r.ok,
        () => false,
      ),
    exited,
  );
  return {
    ...proc,
    async metric(name) {
      const text = await (await fetch(`${base}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith(`${name} `));
      return line ? Number(line.split(' ')[1]) : 0;
    },
  };
}
