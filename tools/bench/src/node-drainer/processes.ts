/**
 * The node-drainer benchmark runs the real deployables as child processes — the cluster
 * simulator's `serve.js` and node-drainer's `main.js` — so it measures what ships (and tools may
 * not import apps or the test-only simulator).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

export const WORKSPACE_ROOT = resolve(import.meta.dirname, '../../../..');
export const SIM_SERVE = join(WORKSPACE_ROOT, 'tools/cluster-sim/dist/serve.js');
export const DRAINER_MAIN = join(WORKSPACE_ROOT, 'apps/node-drainer/dist/main.js');

export interface Child {
  process: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

export function startChild(script: string, args: string[], env: NodeJS.ProcessEnv = {}): Child {
  const child = spawn(process.execPath, [script, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return {
    process: child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Resolves when the child has printed `text`; rejects if it exits first. */
export async function waitForOutput(child: Child, text: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!child.output().includes(text)) {
    if (child.process.exitCode !== null)
      throw new Error(`child exited (${child.process.exitCode}) before printing "${text}":\n${child.output()}`);
    if (Date.now() > deadline)
      throw new Error(`child did not print "${text}" within ${timeoutMs} ms:\n${child.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  server.close();
  await once(server, 'close');
  return port;
}
