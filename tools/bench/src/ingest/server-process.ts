/**
 * Runs the built platform-connectors (`apps/platform-connectors/dist/main.js`) as a separate
 * process, store only (no Kubernetes), against the benchmark database.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { datastoreEnvironment, type DataStoreConfig } from '@nvsentinel/store-client';
import { sleep } from '../store/stats.js';

const MAIN_JS = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../apps/platform-connectors/dist/main.js');

export interface ServerProcess {
  socketPath: string;
  metricsUrl: string;
  /** Value of a counter/gauge on /metrics (0 when absent). */
  metric(name: string): Promise<number>;
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

export async function startServerProcess(
  config: DataStoreConfig,
  dir: string,
  maxConcurrentInserts = 2,
): Promise<ServerProcess> {
  if (!existsSync(MAIN_JS)) throw new Error(`${MAIN_JS} not found; build it first (npm run bench:ingest does)`);
  const socketPath = join(dir, 'nvsentinel.sock');
  const metricsPort = await freePort();
  const profile = process.env.NVS_BENCH_CPU_PROF
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.NVS_BENCH_CPU_PROF}`]
    : [];
  const child: ChildProcess = spawn(
    process.execPath,
    [
      ...profile,
      MAIN_JS,
      `--socket=unix://${socketPath}`,
      `--metrics-port=${metricsPort}`,
      '--no-http',
      '--no-kubernetes',
      `--max-concurrent-inserts=${maxConcurrentInserts}`,
      `--config=${join(dir, 'absent.json')}`,
    ],
    {
      env: {
        ...process.env,
        ...datastoreEnvironment(config),
        DATASTORE_SSLMODE: 'disable',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  let exited = false;
  child.once('exit', () => (exited = true));
  const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited) throw new Error('platform-connectors exited during start-up (see its output above)');
    const ready =
      existsSync(socketPath) &&
      (await fetch(metricsUrl.replace('/metrics', '/readyz')).then(
        (r) => r.ok,
        () => false,
      ));
    if (ready) break;
    if (Date.now() > deadline) throw new Error('platform-connectors did not become ready within 30 s');
    await sleep(100);
  }
  return {
    socketPath,
    metricsUrl,
    async metric(name) {
      const text = await (await fetch(metricsUrl)).text();
      const line = text.split('\n').find((l) => l.startsWith(`${name} `));
      return line ? Number(line.split(' ')[1]) : 0;
    },
    async stop() {
      if (exited) return;
      const done = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await done;
    },
  };
}
