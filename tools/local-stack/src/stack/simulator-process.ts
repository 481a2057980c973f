/**
 * Starts the cluster simulator as its own process with its standalone `serve` command — the
 * simulated API server is a separate "machine", as a real one would be. (The repository's
 * boundary check also keeps the simulator, a test tool, out of production imports.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { LocalScenario } from './cluster-scenario.js';

const SERVE_JS = fileURLToPath(new URL('../../../cluster-sim/dist/serve.js', import.meta.url));

export interface SimulatorProcessOptions {
  scenario: LocalScenario;
  scenarioPath: string;
  kubeconfigPath: string;
  port: number;
  startTimeoutMs?: number;
}

export interface SimulatorProcess {
  url: string;
  kubeconfig: string;
  kubeconfigPath: string;
  pid: number | undefined;
  stop(): Promise<void>;
}

export async function startSimulatorProcess(options: SimulatorProcessOptions): Promise<SimulatorProcess> {
  if (!existsSync(SERVE_JS))
    throw new Error(`${SERVE_JS} does not exist: build the simulator first (npx nx run cluster-sim:build)`);
  await writeFile(options.scenarioPath, JSON.stringify(options.scenario, null, 2));
  const child = spawn(
    process.execPath,
    [
      SERVE_JS,
      '--scenario',
      options.scenarioPath,
      '--port',
      String(options.port),
      '--kubeconfig',
      options.kubeconfigPath,
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const stop = () => stopChild(child);
  try {
    const url = await waitForServing(child, options.startTimeoutMs ?? 30_000);
    const kubeconfig = await readFile(options.kubeconfigPath, 'utf8');
    return { url, kubeconfig, kubeconfigPath: options.kubeconfigPath, pid: child.pid, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Resolves with the URL once `serve` reports that it serves and has written the kubeconfig. */
function waitForServing(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    let url: string | undefined;
    const timer = setTimeout(
      () => fail(new Error(`the cluster simulator did not start within ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    const fail = (err: Error) => {
      clearTimeout(timer);
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      url ??= /serving (http:\/\/\S+)/.exec(output)?.[1];
      if (url && output.includes('kubeconfig written')) {
        clearTimeout(timer);
        resolve(url);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) =>
      fail(new Error(`the cluster simulator exited (code ${code}) during start-up:\n${output.trim()}`)),
    );
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
