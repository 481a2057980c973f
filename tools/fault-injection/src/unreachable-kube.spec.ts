/**
 * Issue 19, "readiness tells the truth": fault-quarantine and node-drainer started against a
 * Kubernetes API that does not answer (a closed port) serve /healthz and /readyz from the moment
 * their server is up, report not ready (they cannot act), and exit 0 on SIGTERM within their
 * shutdown grace period while still in that start-up. Both run at once, as shipped (dist/main.js),
 * on the test PostgreSQL server.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, sleep, startChild, FQ_MAIN_JS, buildShippedProcesses, type Child } from './processes.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const ND_MAIN_JS = join(ROOT, 'apps/node-drainer/dist/main.js');
// The test PostgreSQL server, as every other suite finds it.
const POSTGRES_URL = process.env['NVSENTINEL_TEST_POSTGRES_URL'] || 'postgres://postgres@127.0.0.1:5432/postgres';
const GRACE_S = 10;
const DATABASE = `unreachable_kube_${process.pid}`;

async function probe(url: string): Promise<{ status: number; body: string } | undefined> {
  return fetch(url).then(
    async (r) => ({ status: r.status, body: await r.text() }),
    () => undefined,
  );
}

describe('with the Kubernetes API unreachable', () => {
  let dir: string;
  let kubeconfigPath: string;
  const children: Child[] = [];

  beforeAll(async () => {
    buildShippedProcesses();
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const ndBuild = spawnSync(process.execPath, [tsc, '--build', join(ROOT, 'apps/node-drainer/tsconfig.app.json')], {
      encoding: 'utf8',
      timeout: 280_000,
    });
    if (ndBuild.status !== 0) throw new Error(`building node-drainer failed:\n${ndBuild.stdout}${ndBuild.stderr}`);
    dir = await mkdtemp(join(tmpdir(), 'nvs-unreachable-kube-'));
    const closedPort = await freePort(); // nothing listens: every API call is refused
    kubeconfigPath = join(dir, 'kubeconfig');
    await writeFile(
      kubeconfigPath,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{ name: c, cluster: { server: "http://127.0.0.1:' + closedPort + '" } }]',
        'users: [{ name: u, user: { token: t } }]',
        'contexts: [{ name: x, context: { cluster: c, user: u } }]',
        'current-context: x',
      ].join('\n'),
    );
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${DATABASE}`);
    await admin.end();
  }, 300_000);

  afterAll(async () => {
    for (const child of children) await child.kill();
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
    await admin.end();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('fault-quarantine and node-drainer answer probes, report not ready, and exit 0 on SIGTERM within the grace period', async () => {
    const url = new URL(POSTGRES_URL);
    const env = {
      DATASTORE_PROVIDER: 'postgresql',
      DATASTORE_HOST: url.hostname,
      DATASTORE_PORT: url.port || '5432',
      DATASTORE_USERNAME: decodeURIComponent(url.username) || 'postgres',
      DATASTORE_DATABASE: DATABASE,
      LOG_LEVEL: 'info',
    };
    const services = [
      {
        name: 'fault-quarantine',
        main: FQ_MAIN_JS,
        config: join(ROOT, 'apps/fault-quarantine/config/default-config.toml'),
      },
      { name: 'node-drainer', main: ND_MAIN_JS, config: join(ROOT, 'tools/local-stack/config/node-drainer.toml') },
    ];
    const results = await Promise.all(
      services.map(async (service) => {
        const port = await freePort();
        const child = startChild(
          service.main,
          [
            '--metrics-port',
            String(port),
            '--kubeconfig',
            kubeconfigPath,
            '--namespace',
            'nvsentinel',
            '--config-path',
            service.config,
            '--shutdown-grace',
            `${GRACE_S}s`,
          ],
          env,
        );
        children.push(child);
        // Answering from the moment the server is up (module loading comes first).
        let healthz;
        for (let i = 0; i < 1200 && !(healthz = await probe(`http://127.0.0.1:${port}/healthz`)); i++) {
          if (child.exited()) throw new Error(`${service.name} exited during start-up:\n${child.output()}`);
          await sleep(100);
        }
        // A few seconds of start-up against the closed port: never ready meanwhile.
        const readyz: number[] = [];
        for (let i = 0; i < 10; i++) {
          readyz.push((await probe(`http://127.0.0.1:${port}/readyz`))?.status ?? 0);
          await sleep(300);
        }
        const lastReadyz = await probe(`http://127.0.0.1:${port}/readyz`);
        const signalledAt = performance.now();
        child.child.kill('SIGTERM');
        const code = await new Promise<number | null>((r) =>
          child.exited() ? r(child.child.exitCode) : child.child.once('exit', (c) => r(c)),
        );
        return {
          name: service.name,
          healthz: healthz?.status,
          readyz,
          lastReadyz,
          code,
          exitMs: performance.now() - signalledAt,
          output: child.output(),
        };
      }),
    );
    for (const r of results)
      console.log(
        `${r.name}: /readyz ${r.readyz.join(' ')}; SIGTERM → exit ${r.code} in ${r.exitMs.toFixed(0)} ms (grace ${GRACE_S} s)`,
      );
    for (const r of results) {
      expect(r.healthz, `${r.name} /healthz`).toBe(200);
      expect(
        r.readyz.filter((s) => s !== 503),
        `${r.name} /readyz while the API is unreachable`,
      ).toEqual([]);
      expect(r.code, `${r.name} exit code after SIGTERM:\n${r.output.slice(-3000)}`).toBe(0);
      expect(r.exitMs, `${r.name} exit after SIGTERM (ms)`).toBeLessThan(GRACE_S * 1000);
    }
    const drainer = results.find((r) => r.name === 'node-drainer')!;
    expect(JSON.parse(drainer.lastReadyz!.body).checks.kubernetes.ok).toBe(false);
  }, 300_000);
});
