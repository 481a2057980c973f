/**
 * The shutdown path with REAL signals and a real process exit: a child `node` process runs a
 * small service built from this package and reports what it observed on stdout.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transpileForChildProcess, type TranspiledPackage } from '../testing/transpile-for-child-process.js';

let build: TranspiledPackage;
let fixture: string;

beforeAll(() => {
  build = transpileForChildProcess();
  fixture = join(build.dir, 'fixture-service.mjs');
  writeFileSync(
    fixture,
    `
import { createLogger, createService, createServiceServer } from ${JSON.stringify(build.entry)};
const logger = createLogger({ name: 'fixture', env: {}, pretty: false, level: 'info' });
const server = createServiceServer({ name: 'fixture', logger, port: 0, host: '127.0.0.1' });
const service = createService({ name: 'fixture', logger, server });
let base;
service.onShutdown(() => console.log('MARK first-registered-closer'), { name: 'first' });
service.onShutdown(async () => {
  const res = await fetch(base + '/readyz');
  console.log('MARK readyz-during-shutdown ' + res.status);
  if (process.env.HANG) await new Promise(() => {});
}, { name: 'second' });
await service.start();
base = 'http://127.0.0.1:' + server.app.server.address().port;
console.log('MARK ready ' + (await fetch(base + '/readyz')).status);
if (process.env.CRASH) setTimeout(() => { throw new Error('boom from a timer'); }, 10);
`,
  );
});

afterAll(() => build?.remove());

interface ChildRun {
  marks: string[];
  logs: Record<string, unknown>[];
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Starts the fixture, runs `act(child, mark)` for each MARK line, resolves on exit. */
// Marks are matched with a trailing space: 'readyz-during-shutdown' also starts with 'ready', and
// signalling again on it raced the child's exit (a flaky 'killed by SIGTERM' under CI load).
function runFixture(
  env: Record<string, string>,
  onMark: (mark: string, child: ReturnType<typeof spawn>) => void,
): Promise<ChildRun> {
  const child = spawn(process.execPath, [fixture], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run: ChildRun = { marks: [], logs: [], code: null, signal: null, stderr: '' };
  let buffered = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      if (line.startsWith('MARK ')) {
        run.marks.push(line.slice(5));
        onMark(line.slice(5), child);
      } else if (line.startsWith('{')) {
        run.logs.push(JSON.parse(line) as Record<string, unknown>);
      }
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (run.stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      run.code = code;
      run.signal = signal;
      if (run.marks.length === 0) reject(new Error(`fixture produced no output; stderr:\n${run.stderr}`));
      else resolve(run);
    });
  });
}

describe('graceful shutdown with real signals', () => {
  it('SIGTERM: readiness drops, closers run in reverse order, exit code 0', async () => {
    const run = await runFixture({}, (mark, child) => {
      if (mark.startsWith('ready ')) child.kill('SIGTERM');
    });
    expect(run.marks).toEqual(['ready 200', 'readyz-during-shutdown 503', 'first-registered-closer']);
    expect(run.code, `signal ${run.signal}; stderr: ${run.stderr}; logs: ${JSON.stringify(run.logs)}`).toBe(0);
    expect(run.logs.map((l) => l.msg)).toContain('shutdown complete');
  });

  it('a second signal while a closer hangs exits 1 at once', async () => {
    const run = await runFixture({ HANG: '1' }, (mark, child) => {
      if (mark.startsWith('ready ')) child.kill('SIGINT');
      if (mark.startsWith('readyz-during-shutdown')) child.kill('SIGTERM');
    });
    expect(run.marks).toEqual(['ready 200', 'readyz-during-shutdown 503']);
    expect(run.code).toBe(1);
    expect(run.logs.map((l) => l.msg)).toContain('second signal during shutdown, exiting now');
  });

  it('an uncaught exception is logged, closers still run, exit code 1', async () => {
    const run = await runFixture({ CRASH: '1' }, () => {});
    expect(run.marks).toEqual(['ready 200', 'readyz-during-shutdown 503', 'first-registered-closer']);
    expect(run.code).toBe(1);
    expect(run.logs.find((l) => l.level === 'fatal')).toMatchObject({ err: { message: 'boom from a timer' } });
  });
});
