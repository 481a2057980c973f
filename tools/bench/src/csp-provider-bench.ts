/**
 * janitor-provider call latency: IsNodeReady round trips (janitor's most frequent call) from the
 * gRPC client through janitor-provider (node lookup on the cluster simulator, sim provider) with
 * plaintext, TLS, TLS + token auth with the verdict cache (default), and TLS + token auth with
 * a TokenReview per call (upstream's interceptor). Prints p50/p99 and ratios to plaintext, and
 * calls/s with 16 in flight. Asserts nothing.
 *
 *   npm run bench:csp-provider -w @nvsentinel/bench
 *   npm run bench:csp-provider -w @nvsentinel/bench -- --calls=2000
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startClusterSim } from '@nvsentinel/cluster-sim';
import { CspProviderClient, createCspProviderServer, settingsSchema } from '@nvsentinel/janitor/csp-server';
import { createKubeClient } from '@nvsentinel/k8s';
import { createLogger, loadConfig } from '@nvsentinel/service-kit';

function flag(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  return arg ? Number(arg.split('=')[1]) : fallback;
}
const log = (line: string) => process.stdout.write(`${line}\n`);
const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

async function main(): Promise<void> {
  const calls = flag('calls', 1000);
  const dir = mkdtempSync(join(tmpdir(), 'csp-bench-'));
  const certPath = join(dir, 'tls.crt');
  const keyPath = join(dir, 'tls.key');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      certPath,
      '-days',
      '1',
      '-subj',
      '/CN=janitor-provider',
      '-addext',
      'subjectAltName=DNS:janitor-provider,IP:127.0.0.1',
    ],
    { stdio: 'pipe' },
  );
  const sim = await startClusterSim({ nodes: 4, podsPerNode: 0, disruptionBudgets: false });
  const kube = createKubeClient({ kubeconfig: sim.kubeconfig, qps: Infinity, burst: 1 });
  const tokenPath = join(dir, 'token');
  writeFileSync(tokenPath, sim.issueToken({ audiences: ['nvsentinel-csp-provider'] }));
  const logger = createLogger({ name: 'csp-bench', level: 'fatal' });
  const tls = { TLS_CERT_PATH: certPath, TLS_KEY_PATH: keyPath };
  const auth = { AUTH_AUDIENCES: 'nvsentinel-csp-provider' };
  const runs = [
    { label: 'plaintext', env: {}, client: { plaintext: true } },
    { label: 'TLS', env: tls, client: { caPath: certPath } },
    {
      label: 'TLS + token, verdict cache 1m (ours)',
      env: { ...tls, ...auth },
      client: { caPath: certPath, tokenPath },
    },
    {
      label: 'TLS + token, TokenReview per call (upstream)',
      env: { ...tls, ...auth, AUTH_CACHE_TTL: '0s' },
      client: { caPath: certPath, tokenPath },
    },
  ];
  log(`== janitor-provider: ${calls} sequential IsNodeReady calls per setup, sim provider, cluster-sim in process ==`);
  let baseline: number | undefined;
  for (const run of runs) {
    const config = loadConfig(settingsSchema, {
      argv: [],
      env: { CSP: 'sim', JANITOR_PROVIDER_PORT: '0', ...run.env },
    });
    const server = createCspProviderServer({ kube, logger, namespace: 'nvsentinel', config, host: '127.0.0.1' });
    await server.start();
    const client = new CspProviderClient({
      address: `127.0.0.1:${server.port}`,
      serverNameOverride: 'janitor-provider',
      ...run.client,
    });
    const node = { metadata: { name: 'gpu-node-0' } };
    const ref = 'csp=sim&bootID=none';
    for (let i = 0; i < 50; i++) await client.isNodeReady(node, ref); // warm-up: connection, TLS handshake, JIT
    const latencies: number[] = [];
    for (let i = 0; i < calls; i++) {
      const start = performance.now();
      await client.isNodeReady(node, ref);
      latencies.push(performance.now() - start);
    }
    latencies.sort((a, b) => a - b);
    const inFlight = 16;
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next++ < calls) await client.isNodeReady(node, ref);
      }),
    );
    const perSecond = calls / ((performance.now() - started) / 1000);
    const p50 = quantile(latencies, 0.5);
    baseline ??= p50;
    log(`${run.label}`);
    log(
      `  p50 ${p50.toFixed(2)} ms / p99 ${quantile(latencies, 0.99).toFixed(2)} ms ` +
        `(p50 ×${(p50 / baseline).toFixed(2)} vs plaintext); ` +
        `${perSecond.toFixed(0)} calls/s with ${inFlight} in flight`,
    );
    client.close();
    await server.stop();
  }
  kube.close();
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
