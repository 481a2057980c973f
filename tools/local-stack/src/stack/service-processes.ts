/**
 * The services as separate processes, each its own "pod": `node apps/<service>/dist/main.js` with
 * the flags and environment it would get from the Helm chart (datastore variables are inherited).
 * Used when the datastore is a server, which every process can reach on its own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { formatChildLogLine } from '../progress/child-log.js';
import { stackServices, type StackServiceOptions } from './service-specs.js';
import type { ServiceEndpoint } from './stack-types.js';

/** The workspace root, from src/stack or dist/stack alike. */
const WORKSPACE_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

export interface ServiceProcessesOptions extends StackServiceOptions {
  env: NodeJS.ProcessEnv;
  /** Where the children's log lines go (already prefixed with the service name). */
  write: (line: string) => void;
  readyTimeoutMs?: number;
}

export interface ServiceProcesses {
  ingestUrl: string;
  socketPath: string;
  services: ServiceEndpoint[];
  stop(): Promise<void>;
}

export function serviceMainPath(main: string): string {
  return `${WORKSPACE_ROOT}${main}`;
}

export async function startServiceProcesses(options: ServiceProcessesOptions): Promise<ServiceProcesses> {
  const children: Array<{ name: string; child: ChildProcess }> = [];
  let stopping = false;
  const stop = () => {
    stopping = true;
    return stopChildren(children);
  };
  try {
    for (const spec of stackServices(options)) {
      if (spec.metricsPort === 0)
        throw new Error(`${spec.name}: separate processes need fixed ports (got 0); pass real port numbers`);
      const main = serviceMainPath(spec.main);
      if (!existsSync(main))
        throw new Error(`${main} does not exist: build the services first (npx nx run-many -t build)`);
      const child = spawn(process.execPath, [main, ...spec.args], {
        env: { ...options.env, LOG_LEVEL: options.env['LOG_LEVEL'] ?? 'warn', LOG_FORMAT: 'json' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push({ name: spec.name, child });
      pipeLines(child, spec.name, options.write);
      // A pod that dies is visible in Kubernetes; here the terminal is where it must show.
      child.once('exit', (code, signal) => {
        if (!stopping)
          options.write(
            `[${spec.name}] exited (${signal ?? `code ${code}`}); the stack keeps running without it — restart npm start`,
          );
      });
    }
    // They start in parallel; each is ready when its own /readyz says so.
    await Promise.all(
      // Nine Node.js processes loading at once on a small machine take a while: allow 3 minutes.
      children.map(({ name, child }, i) =>
        waitReady(name, child, stackServices(options)[i]!.metricsPort, options.readyTimeoutMs ?? 180_000),
      ),
    );
  } catch (err) {
    await stop();
    throw err;
  }
  const ingestUrl = `http://${options.host}:${options.ports.ingest}`;
  return {
    ingestUrl,
    socketPath: options.socketPath,
    services: children.map(({ name, child }, i) => ({
      name,
      metricsUrl: `http://127.0.0.1:${stackServices(options)[i]!.metricsPort}`,
      ...(child.pid ? { pid: child.pid } : {}),
    })),
    stop,
  };
}

function pipeLines(child: ChildProcess, name: string, write: (line: string) => void): void {
  for (const stream of [child.stdout, child.stderr]) {
    let pending = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) write(formatChildLogLine(name, line));
    });
  }
}

async function waitReady(name: string, child: ChildProcess, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `${name} exited during start-up (code ${child.exitCode ?? child.signalCode}); its log lines above say why`,
      );
    }
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${name} was not ready on http://127.0.0.1:${port}/readyz after ${timeoutMs} ms`);
}

/** SIGTERM like a pod deletion; the services shut down gracefully (10 s budget), then SIGKILL. */
async function stopChildren(children: Array<{ name: string; child: ChildProcess }>): Promise<void> {
  await Promise.all(
    children
      .splice(0)
      .reverse()
      .map(
        ({ child }) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const kill = setTimeout(() => child.kill('SIGKILL'), 12_000);
            child.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
  );
}
