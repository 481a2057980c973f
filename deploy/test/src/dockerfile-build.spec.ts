/**
 * deploy/Dockerfile's steps run for real in a scratch folder (no Docker engine here): the context
 * as .dockerignore shapes it, install, tsc build, `npm prune --omit=dev`, the runtime tree, and
 * then platform-connectors started from that pruned tree on the embedded datastore, serving
 * /healthz and /readyz and stopping cleanly on SIGTERM. support/dockerfile-runner.ts lists the two
 * stand-ins (hard-linked node_modules for `npm ci`, the workspace's compiled output as tsc's
 * incremental cache); BUILD_PROJECTS is narrowed to the service started, to keep CI time down.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORKSPACE_ROOT } from './support/helm.js';
import { copyContext, runDockerfile, type RunResult, type StageResult } from './support/dockerfile-runner.js';

const scratch = join(WORKSPACE_ROOT, 'tmp/deploy-tests/docker-build');
let result: RunResult;
let runtime: StageResult;
let app: string;

beforeAll(async () => {
  const context = join(WORKSPACE_ROOT, 'tmp/deploy-tests/docker-context');
  const { rmSync } = await import('node:fs');
  rmSync(context, { recursive: true, force: true });
  copyContext(WORKSPACE_ROOT, context, readFileSync(join(WORKSPACE_ROOT, '.dockerignore'), 'utf8'));
  result = await runDockerfile({
    dockerfile: join(WORKSPACE_ROOT, 'deploy/Dockerfile'),
    context,
    scratch,
    buildArgs: { BUILD_PROJECTS: 'apps/platform-connectors' },
    buildCache: [
      'libs/health-model',
      'libs/store-client',
      'libs/service-kit',
      'libs/k8s',
      'tools/cluster-sim',
      'apps/platform-connectors',
    ],
  });
  runtime = result.stages.at(-1)!;
  app = join(runtime.root, runtime.workdir);
}, 600_000);

afterAll(() => {
  // Keep the tree on failure for a look; the next run starts clean anyway.
  console.log(
    `Dockerfile dry run: ${result?.steps
      .map((s) => `${s.stage}: ${s.instruction.split(' ')[0]} ${s.ms} ms`)
      .filter((l) => !/ [0-9] ms$/.test(l))
      .join('; ')}`,
  );
});

describe('the Dockerfile dry run', () => {
  it('says which steps it stood in for', () => {
    expect(result.standIns).toHaveLength(2);
    expect(result.standIns[0]).toMatch(/npm ci/);
  });

  it('leaves a runtime tree of manifests and compiled output only, with production dependencies only', () => {
    const top = readdirSync(app).sort();
    expect(top).toEqual(['apps', 'libs', 'node_modules', 'package-lock.json', 'package.json']);
    expect(readdirSync(join(app, 'apps'))).toEqual(['platform-connectors']);
    // node_modules: the app's own copies of dependencies whose versions differ from the root's
    expect(
      readdirSync(join(app, 'apps/platform-connectors'))
        .filter((e) => e !== 'node_modules')
        .sort(),
    ).toEqual(['dist', 'package.json']);
    expect(existsSync(join(app, 'apps/platform-connectors/src'))).toBe(false);
    for (const lib of readdirSync(join(app, 'libs')))
      expect(existsSync(join(app, 'libs', lib, 'src')), `libs/${lib}/src`).toBe(false);
    for (const dev of ['typescript', 'vitest', 'nx', '@nx', 'vite', 'fast-check', '@bufbuild/buf-linux-x64']) {
      expect(existsSync(join(app, 'node_modules', dev)), `dev dependency ${dev} shipped`).toBe(false);
    }
    for (const prod of ['@kubernetes/client-node', 'fastify', 'pino', '@electric-sql/pglite', 'pg', 'prom-client']) {
      expect(existsSync(join(app, 'node_modules', prod)), `production dependency ${prod} missing`).toBe(true);
    }
    // workspace links resolve inside the tree; links to projects that are not shipped are gone
    const ours = join(app, 'node_modules/@nvsentinel');
    for (const link of readdirSync(ours)) {
      expect(lstatSync(join(ours, link)).isSymbolicLink(), link).toBe(true);
      expect(realpathSync(join(ours, link)).startsWith(app), `${link} → ${readlinkSync(join(ours, link))}`).toBe(true);
    }
    expect(readdirSync(ours).sort()).toEqual(
      expect.arrayContaining(['health-model', 'k8s', 'platform-connectors', 'service-kit', 'store-client']),
    );
    expect(readdirSync(ours)).not.toContain('cluster-sim');
  });

  it('records the runtime settings: non-root user, node entry point, production environment', () => {
    expect(runtime.user).toBe('1000:1000');
    expect(runtime.entrypoint).toEqual(['node']);
    expect(runtime.cmd).toEqual(['apps/platform-connectors/dist/main.js']);
    expect(runtime.env.NODE_ENV).toBe('production');
    expect(existsSync(join(app, runtime.cmd![0]!))).toBe(true);
  });

  it('starts platform-connectors from the pruned tree: /healthz, /readyz, then a clean SIGTERM stop', async () => {
    const port = await freePort();
    const socket = join(scratch, 'pc.sock');
    const child = spawn(
      process.execPath,
      [
        ...runtime.entrypoint!.slice(1),
        ...runtime.cmd!,
        `--metrics-port=${port}`,
        `--socket=unix://${socket}`,
        '--http-port=0',
        '--kubernetes=false',
      ],
      {
        cwd: app,
        // only the image's environment plus what the chart would set; no workspace paths
        env: {
          PATH: process.env.PATH ?? '',
          ...runtime.env,
          NODE_OPTIONS: '',
          DATASTORE_PROVIDER: 'embedded',
          LOG_LEVEL: 'info',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    try {
      await expect
        .poll(
          async () => {
            if (child.exitCode !== null) throw new Error(`platform-connectors exited (${child.exitCode}):\n${output}`);
            return fetch(`http://127.0.0.1:${port}/healthz`).then(
              (r) => r.status,
              () => 0,
            );
          },
          { timeout: 90_000, interval: 250 },
        )
        .toBe(200);
      await expect
        .poll(
          () =>
            fetch(`http://127.0.0.1:${port}/readyz`).then(
              (r) => r.status,
              () => 0,
            ),
          { timeout: 60_000, interval: 250 },
        )
        .toBe(200);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toContain('platform_connector_health_events_received_total');
    } finally {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      expect(code, output).toBe(0);
    }
  });
});

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}
