/**
 * The services as separate processes, each its own "pod": `node apps/<service>/dist/main.js` with
 * the flags and environment it would get from the Helm chart (datastore variables are inherited).
 * Used when the datastore is a server, which every process can reach on its own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { formatChildLogLine } from '../progress/child-log.js';
import { stackServices, type StackService, type StackServiceOptions } from './service-specs.js';
import type { ServiceEndpoint, StackServiceName } from './stack-types.js';

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
  /** Current pids (a restarted service has a new one). */
  readonly services: ServiceEndpoint[];
  /**
   * Kills one service (SIGKILL by default: a crash, no graceful shutdown) and starts it again with
   * the same flags, resolving once its /readyz answers — what Kubernetes does for a pod that dies.
   */
  restart(name: StackServiceName, options?: { signal?: NodeJS.Signals }): Promise<RestartedService>;
  stop(): Promise<void>;
}

export interface RestartedService extends ServiceEndpoint {
  /** From the signal to the old process's exit. */
  exitedMs: number;
  /** From the signal to the new process's /readyz answering. */
  readyMs: number;
}

function serviceMainPath(main: string): string {
  return `${WORKSPACE_ROOT}${main}`;
}

export async function startServiceProcesses(options: ServiceProcessesOptions): Promise<ServiceProcesses> {
  const specs = stackServices(options);
  const children: RunningChild[] = [];
  /** Children being restarted on purpose: their exit is not news. */
  const restarting = new Set<ChildProcess>();
  let stopping = false;
  const stop = () => {
    stopping = true;
    return stopChildren(children);
  };
  const spawnChild = (spec: StackService): ChildProcess => {
    const child = spawn(process.execPath, [serviceMainPath(spec.main), ...spec.args], {
      env: { ...options.env, LOG_LEVEL: options.env['LOG_LEVEL'] ?? 'warn', LOG_FORMAT: 'json' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    pipeLines(child, spec.name, options.write);
    // A pod that dies is visible in Kubernetes; here the terminal is where it must show.
    child.once('exit', (code, signal) => {
      if (!stopping && !restarting.has(child))
        options.write(
          `[${spec.name}] exited (${signal ?? `code ${code}`}); the stack keeps running without it — restart npm start`,
        );
    });
    return child;
  };
  const readyTimeoutMs = options.readyTimeoutMs ?? 180_000;
  try {
    for (const spec of specs) {
      if (spec.metricsPort === 0)
        throw new Error(`${spec.name}: separate processes need fixed ports (got 0); pass real port numbers`);
      const main = serviceMainPath(spec.main);
      if (!existsSync(main))
        throw new Error(`${main} does not exist: build the services first (npx nx run-many -t build)`);
      children.push({ name: spec.name, spec, child: spawnChild(spec) });
    }
    // They start in parallel; each is ready when its own /readyz says so.
    // Nine Node.js processes loading at once on a small machine take a while: allow 3 minutes.
    await Promise.all(
      children.map(({ name, child, spec }) => waitReady(name, child, spec.metricsPort, readyTimeoutMs)),
    );
  } catch (err) {
    await stop();
    throw err;
  }
  const ingestUrl = `http://${options.host}:${options.ports.ingest}`;
  const endpoint = ({ name, child, spec }: RunningChild): ServiceEndpoint => ({
    name,
    metricsUrl: `http://127.0.0.1:${spec.metricsPort}`,
    ...(child.pid ? { pid: child.pid } : {}),
  });
  return {
    ingestUrl,
    socketPath: options.socketPath,
    get services() {
      return children.map(endpoint);
    },
    async restart(name, restartOptions = {}) {
      const entry = children.find((c) => c.name === name);
      if (!entry)
        throw new Error(`no service process named ${name}; the stack runs ${children.map((c) => c.name).join(', ')}`);
      if (stopping) throw new Error(`the stack is stopping; ${name} is not restarted`);
      const old = entry.child;
      restarting.add(old);
      const began = performance.now();
      await new Promise<void>((resolve) => {
        if (old.exitCode !== null || old.signalCode !== null) return resolve();
        old.once('exit', () => resolve());
        old.kill(restartOptions.signal ?? 'SIGKILL');
      });
      const exitedMs = performance.now() - began;
      // stop() may have run meanwhile; a child spawned now would outlive the stack.
      if (stopping) throw new Error(`the stack stopped while ${name} was restarting`);
      entry.child = spawnChild(entry.spec);
      await waitReady(name, entry.child, entry.spec.metricsPort, readyTimeoutMs);
      return { ...endpoint(entry), exitedMs, readyMs: performance.now() - began };
    },
    stop,
  };
}

interface RunningChild {
  name: StackServiceName;
  spec: StackService;
  child: ChildProcess;
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
async function stopChildren(children: RunningChild[]): Promise<void> {
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
