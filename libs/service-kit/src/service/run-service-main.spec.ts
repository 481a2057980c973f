/**
 * The entry point every service's main.ts uses, in a real child process: real flags, signals,
 * pipes and exit codes. The fixture is a tiny service defined with `defineService`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transpileForChildProcess, type TranspiledPackage } from '../testing/transpile-for-child-process.js';

let build: TranspiledPackage;
let fixture: string;

beforeAll(() => {
  build = transpileForChildProcess();
  fixture = join(build.dir, 'fixture-main.mjs');
  writeFileSync(
    fixture,
    `
import { defineService, runServiceMain, setting, defineConfigSchema } from ${JSON.stringify(build.entry)};
const service = defineService({
  name: 'fixture',
  description: 'fixture: a service for the entry-point tests.',
  settings: defineConfigSchema({
    mode: setting.enum({ env: 'FIXTURE_MODE', flag: 'mode', values: ['run', 'bad-config', 'flood'], default: 'run', doc: 'what to do' }),
  }),
  needs: { datastore: process.env.NEEDS_DATASTORE === '1', kube: false },
  create({ settings, logger }) {
    if (settings.mode === 'bad-config') throw new Error('rule "x" in /etc/config/config.toml line 3: unknown operator $foo');
    let timer;
    return {
      async start() {
        if (settings.mode === 'flood') {
          const line = 'y'.repeat(4096);
          timer = setInterval(() => { for (let i = 0; i < 200; i++) logger.info({ line }, 'flood'); }, 1);
        }
        process.stderr.write('MARK started\\n');
      },
      async stop() {
        clearInterval(timer);
      },
    };
  },
});
await runServiceMain(service);
`,
  );
});

afterAll(() => (process.env.KEEP_FIXTURE ? undefined : build?.remove()));

interface Run {
  child: ChildProcess;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; afterMs: number }>;
}

function run(args: string[], env: Record<string, string> = {}, stdout: 'pipe' | 'ignore' = 'ignore'): Run {
  const child = spawn(process.execPath, [fixture, ...args], {
    env: { ...process.env, LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', stdout, 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let signalledAt = 0;
  const kill = child.kill.bind(child);
  child.kill = (signal?: NodeJS.Signals | number) => {
    signalledAt = Date.now();
    return kill(signal);
  };
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; afterMs: number }>((resolve) =>
    child.once('exit', (code, signal) =>
      resolve({ code, signal, afterMs: signalledAt ? Date.now() - signalledAt : 0 }),
    ),
  );
  return { child, stderr: () => stderr, exit };
}

async function until(predicate: () => boolean, what: string, r?: Run): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; stderr: ${r?.stderr()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('runServiceMain', () => {
  it('a bad flag is one stderr message naming it, and exit code 2', async () => {
    const r = run(['--bogus-flag=1', '--mode=sideways']);
    const { code } = await r.exit;
    expect(code).toBe(2);
    expect(r.stderr()).toContain('fixture: Invalid configuration (2 problems)');
    expect(r.stderr()).toContain('--bogus-flag: unknown flag');
    expect(r.stderr()).toContain("--mode='sideways': expected one of run, bad-config, flood");
    expect(r.stderr()).not.toContain('    at '); // no stack trace
  });

  it("accepts the flags upstream's charts pass to every component", async () => {
    const r = run([
      '--metrics-port=0',
      '--database-client-cert-mount-path=/etc/ssl/client-certs',
      '--mongo-client-cert-mount-path',
      '/etc/ssl/mongo-client',
      '--kubeconfig-path=/nonexistent',
      '--tls-enabled=false',
      '--log-level=warn',
    ]);
    await until(() => r.stderr().includes('MARK started'), 'the start', r);
    r.child.kill('SIGTERM');
    expect((await r.exit).code).toBe(0);
  });

  it('a configuration the service rejects in create() is one fatal log line and exit code 2', async () => {
    const r = run(['--mode=bad-config', '--metrics-port=0'], {}, 'pipe');
    let stdout = '';
    r.child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const { code } = await r.exit;
    expect(code).toBe(2);
    const fatal = stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { level: string; msg: string; err?: { code?: string; message?: string } })
      .filter((l) => l.level === 'fatal');
    expect(fatal).toHaveLength(1);
    expect(fatal[0]).toMatchObject({ msg: 'configuration rejected', err: { code: 'NVS_ERR_SERVICE_CREATE' } });
    expect(fatal[0]!.err!.message).toContain('unknown operator $foo');
  });

  it('SIGTERM while the start waits for an unreachable datastore exits 0 within the grace period', async () => {
    const r = run(
      ['--metrics-port=0', '--shutdown-grace=3s'],
      {
        NEEDS_DATASTORE: '1',
        DATASTORE_PROVIDER: 'postgresql',
        DATASTORE_HOST: '127.0.0.1',
        DATASTORE_PORT: '1',
        DATASTORE_USERNAME: 'postgres',
        DATASTORE_SSLMODE: 'disable',
        LOG_LEVEL: 'warn',
      },
      'pipe',
    );
    let stdout = '';
    r.child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    await until(() => stdout.includes('datastore unreachable at start-up; waiting for it'), 'the datastore wait');
    r.child.kill('SIGTERM');
    const { code, afterMs } = await r.exit;
    expect(code).toBe(0);
    expect(afterMs).toBeLessThan(3_000 + 2_000);
  });

  it('exits within the grace period when its stdout is a full pipe nobody reads', async () => {
    const r = run(['--mode=flood', '--metrics-port=0', '--shutdown-grace=2s'], {}, 'pipe');
    r.child.stdout!.pause(); // never read: the pipe fills within milliseconds
    await until(() => r.stderr().includes('MARK started'), 'the start', r);
    await new Promise((resolve) => setTimeout(resolve, 500));
    r.child.kill('SIGTERM');
    const { code, signal, afterMs } = await r.exit;
    expect(signal).toBeNull();
    expect([0, 1]).toContain(code);
    expect(afterMs).toBeLessThan(2_000 + 2_000);
  });

  it('exits within the grace period when its stdout reader has gone', async () => {
    const r = run(['--mode=flood', '--metrics-port=0', '--shutdown-grace=2s'], {}, 'pipe');
    await until(() => r.stderr().includes('MARK started'), 'the start', r);
    r.child.stdout!.destroy(); // EPIPE from now on
    await new Promise((resolve) => setTimeout(resolve, 300));
    r.child.kill('SIGTERM');
    const { code, signal, afterMs } = await r.exit;
    expect(signal).toBeNull();
    expect([0, 1]).toContain(code);
    expect(afterMs).toBeLessThan(2_000 + 2_000);
  });
});
