/**
 * The shipped processes the suite runs, each its own child (SIGKILL needs a real process): the
 * cluster simulator and the built services' dist/main.js.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../../..');
export const SIM_JS = join(ROOT, 'tools/cluster-sim/dist/serve.js');
export const PC_MAIN_JS = join(ROOT, 'apps/platform-connectors/dist/main.js');
export const FQ_MAIN_JS = join(ROOT, 'apps/fault-quarantine/dist/main.js');

/** `tsc --build` of the simulator and the services the suite spawns; incremental, so cheap when current. */
export function buildShippedProcesses(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const projects = [
    'tools/cluster-sim/tsconfig.lib.json',
    'apps/platform-connectors/tsconfig.app.json',
    'apps/fault-quarantine/tsconfig.app.json',
  ].map((p) => join(ROOT, p));
  const result = spawnSync(process.execPath, [tsc, '--build', ...projects], { encoding: 'utf8', timeout: 280_000 });
  if (result.status !== 0)
    throw new Error(
      `building the shipped processes failed; fix the TypeScript errors:\n${result.stdout}${result.stderr}`,
    );
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface Child {
  readonly child: ChildProcess;
  readonly output: () => string;
  exited(): boolean;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
  /** SIGKILL and wait for the exit. */
  kill(): Promise<void>;
}

export function startChild(file: string, args: string[], env: NodeJS.ProcessEnv = {}): Child {
  if (!existsSync(file))
    throw new Error(`${file} not found; build it first: npx tsc -b ${file.replace(/dist\/.*$/, '')}tsconfig.json`);
  const child = spawn(process.execPath, [file, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  const waitExit = () => new Promise<void>((r) => (exited() ? r() : child.once('exit', () => r())));
  return {
    child,
    output: () => output,
    exited,
    async stop() {
      if (exited()) return;
      child.kill('SIGTERM');
      await waitExit();
    },
    async kill() {
      if (exited()) return;
      child.kill('SIGKILL');
      await waitExit();
    },
  };
}

export async function waitForHttp(what: string, url: string, child: Child, limitMs = 90_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    if (child.exited()) throw new Error(`${what} exited during start-up:\n${child.output()}`);
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    if (Date.now() > deadline)
      throw new Error(`${what} not ready at ${url} within ${limitMs / 1000} s:\n${child.output()}`);
    await sleep(100);
  }
}

export async function startSimulator(
  nodes: number,
  dir: string,
): Promise<Child & { kubeconfigPath: string; url: string }> {
  const port = await freePort();
  const kubeconfigPath = join(dir, `kubeconfig-${port}`);
  const scenarioPath = join(dir, `scenario-${port}.json`);
  await writeFile(
    scenarioPath,
    JSON.stringify({ nodes, podsPerNode: 0, daemonSets: false, disruptionBudgets: false, namespaces: ['nvsentinel'] }),
  );
  const child = startChild(SIM_JS, [`--scenario=${scenarioPath}`, `--port=${port}`, `--kubeconfig=${kubeconfigPath}`]);
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp('cluster-sim', `${url}/api/v1/namespaces`, child);
  // the kubeconfig may be written just after the port answers
  while (!(await readFile(kubeconfigPath, 'utf8').catch(() => '')).includes('clusters')) await sleep(50);
  return Object.assign(child, { kubeconfigPath, url });
}

export interface Datastore {
  port: number;
  database: string;
}

export function datastoreEnv({ port, database }: Datastore): Record<string, string> {
  return {
    DATASTORE_PROVIDER: 'postgresql',
    DATASTORE_HOST: '127.0.0.1',
    DATASTORE_PORT: String(port),
    DATASTORE_DATABASE: database,
    DATASTORE_USERNAME: 'postgres',
    DATASTORE_SSLMODE: 'disable',
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
  };
}

/**
 * Runs `start` again, on newly picked ports, when the child lost a port to another process: the
 * port freePort picked is free when picked, not necessarily when the child binds it (seen in CI
 * with several suites starting servers at once).
 */
async function retryOnPortRace<T>(start: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      if (attempt >= attempts || !String((err as Error).message).includes('EADDRINUSE')) throw err;
    }
  }
}

export function startPlatformConnectors(
  datastore: Datastore,
  kubeconfigPath: string,
  dir: string,
): Promise<Child & { ingestUrl: string }> {
  return retryOnPortRace(() => startPlatformConnectorsOnce(datastore, kubeconfigPath, dir));
}

async function startPlatformConnectorsOnce(
  datastore: Datastore,
  kubeconfigPath: string,
  dir: string,
): Promise<Child & { ingestUrl: string }> {
  const httpPort = await freePort();
  const metricsPort = await freePort();
  const child = startChild(
    PC_MAIN_JS,
    [
      '--no-grpc',
      `--http-port=${httpPort}`,
      '--http-host=127.0.0.1',
      `--metrics-port=${metricsPort}`,
      `--kubeconfig=${kubeconfigPath}`,
      '--namespace=nvsentinel',
      `--config=${join(dir, 'absent.json')}`,
    ],
    datastoreEnv(datastore),
  );
  const ingestUrl = `http://127.0.0.1:${httpPort}/api/v1/health-events`;
  await waitForHttp('platform-connectors', `http://127.0.0.1:${metricsPort}/readyz`, child);
  return Object.assign(child, { ingestUrl });
}

export function startFaultQuarantine(
  datastore: Datastore,
  kubeconfigPath: string,
  waitReady = true,
): Promise<Child & { metricsUrl: string }> {
  return retryOnPortRace(() => startFaultQuarantineOnce(datastore, kubeconfigPath, waitReady));
}

async function startFaultQuarantineOnce(
  datastore: Datastore,
  kubeconfigPath: string,
  waitReady = true,
): Promise<Child & { metricsUrl: string }> {
  const metricsPort = await freePort();
  const child = startChild(
    FQ_MAIN_JS,
    [
      `--metrics-port=${metricsPort}`,
      `--kubeconfig-path=${kubeconfigPath}`,
      '--namespace=nvsentinel',
      '--circuit-breaker-enabled=false',
    ],
    datastoreEnv(datastore),
  );
  const metricsUrl = `http://127.0.0.1:${metricsPort}`;
  if (waitReady) await waitForHttp('fault-quarantine', `${metricsUrl}/readyz`, child);
  return Object.assign(child, { metricsUrl });
}
