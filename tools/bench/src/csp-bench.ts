/**
 * csp-health-monitor: one AWS poll that normalises 10,000 affected instances (default) into the
 * store. The official AWS SDK pages through the local AWS Health fake (100 events/entities per
 * page, JSON 1.1 over HTTP); the instances are nodes of an in-process cluster simulator (providerID
 * `aws:///<zone>/<id>`, `serve.js` as a child process); events land in a fresh PostgreSQL database and in the embedded provider.
 * Prints the poll's time, API calls, heap and RSS growth, and a second (unchanged) poll as the
 * baseline ratio. Upstream reads only the first page of each call (no number to compare).
 * Asserts nothing.
 *
 *   npm run bench:csp -w @nvsentinel/bench            (node --expose-gc: the heap is collected before the poll)
 *   npm run bench:csp -w @nvsentinel/bench -- --instances=2000 --per-event=100 --providers=embedded
 *
 * Tools may not import apps, so the built app (`apps/csp-health-monitor/dist`) is loaded by path.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createKubeClient } from '@nvsentinel/k8s';
import { createLogger } from '@nvsentinel/service-kit';
import { createDataStore, type DataStore, type DataStoreConfig } from '@nvsentinel/store-client';
import { SIM_SERVE, WORKSPACE_ROOT, startChild, waitForOutput } from './node-drainer/processes.js';
import { createBenchDatabase } from './store/database.js';

const APP_DIST = join(WORKSPACE_ROOT, 'apps/csp-health-monitor/dist');

function flag(name: string, fallback: string): string {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  return arg ? arg.slice(name.length + 3) : fallback;
}
const log = (line: string) => process.stdout.write(`${line}\n`);
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

interface PollReport {
  events: number;
  stored: number;
  unchanged: number;
}
interface Monitor {
  start(): Promise<void>;
  stop(): Promise<void>;
  pollOnce(): Promise<PollReport>;
}
interface AppModule {
  createCspHealthMonitor(deps: Record<string, unknown>): Monitor;
  parseCspConfig(text: string): unknown;
}
interface AwsFake {
  readonly url: string;
  start(): Promise<AwsFake>;
  close(): Promise<void>;
  addEvent(event: Record<string, unknown>, description: string, instanceIds: string[]): void;
  requests: Array<{ operation: string }>;
}
interface FakesModule {
  AwsHealthFake: new () => AwsFake;
  FAKE_CREDENTIALS: { accessKeyId: string; secretAccessKey: string };
  epoch(date: Date): number;
}

interface RunResult {
  provider: string;
  instances: number;
  pollSeconds: number;
  instancesPerSecond: number;
  apiCalls: Record<string, number>;
  heapGrowthMiB: number;
  peakRssGrowthMiB: number;
  unchangedPollSeconds: number;
  stored: number;
}

const instanceId = (i: number) => `i-${i.toString(16).padStart(17, '0')}`;

async function run(
  provider: 'postgresql' | 'embedded',
  instances: number,
  perEvent: number,
  app: AppModule,
  fakes: FakesModule,
): Promise<RunResult> {
  const database = provider === 'postgresql' ? await createBenchDatabase() : undefined;
  const config: DataStoreConfig = database
    ? database.config()
    : { provider: 'embedded', connection: { host: '', port: 0, database: 'nvsentinel' }, options: {} };
  const datastore: DataStore = await createDataStore(config);
  const dir = mkdtempSync(join(tmpdir(), 'csp-bench-'));
  const scenario = join(dir, 'scenario.json');
  const kubeconfigPath = join(dir, 'kubeconfig');
  const nodes = Array.from({ length: instances }, (_, i) => ({
    name: `gpu-node-${i}`,
    providerID: `aws:///us-east-1a/${instanceId(i)}`,
  }));
  writeFileSync(
    scenario,
    JSON.stringify({ nodes, podsPerNode: 0, daemonSets: false, disruptionBudgets: false, namespaces: ['nvsentinel'] }),
  );
  const sim = startChild(SIM_SERVE, ['--scenario', scenario, '--port', '0', '--kubeconfig', kubeconfigPath]);
  await waitForOutput(sim, 'kubeconfig written', 120_000);
  const fake = await new fakes.AwsHealthFake().start();
  const kube = createKubeClient({ kubeconfig: readFileSync(kubeconfigPath, 'utf8'), qps: Infinity, burst: 1 });
  const monitor = app.createCspHealthMonitor({
    datastore,
    kube,
    logger: createLogger({ name: 'csp-bench', level: process.env.LOG_LEVEL ?? 'warn' }),
    namespace: 'nvsentinel',
    config: app.parseCspConfig(
      `clusterName = "bench"\n[aws]\nenabled = true\nregion = "us-east-1"\nendpointOverride = "${fake.url}"`,
    ),
    options: { aws: { credentials: fakes.FAKE_CREDENTIALS }, pollIntervalMs: 3_600_000 },
  });
  try {
    await monitor.start(); // node cache synced; first poll (empty) done
    const now = Date.now();
    for (let e = 0; e * perEvent < instances; e++) {
      const ids = Array.from({ length: Math.min(perEvent, instances - e * perEvent) }, (_, k) =>
        instanceId(e * perEvent + k),
      );
      fake.addEvent(
        {
          arn: `arn:aws:health:us-east-1::event/EC2/AWS_EC2_INSTANCE_REBOOT_MAINTENANCE_SCHEDULED/bench_${e}`,
          eventTypeCode: 'AWS_EC2_INSTANCE_REBOOT_MAINTENANCE_SCHEDULED',
          statusCode: 'upcoming',
          startTime: fakes.epoch(new Date(now + 86_400_000)),
          endTime: fakes.epoch(new Date(now + 90_000_000)),
          lastUpdatedTime: fakes.epoch(new Date(now)),
        },
        'What do I need to do?\nReboot the instance before the scheduled time.',
        ids,
      );
    }
    const requestsBefore = fake.requests.length;
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const rssBefore = process.memoryUsage().rss;
    let peakRss = rssBefore;
    let peakHeap = heapBefore;
    const sampler = setInterval(() => {
      const usage = process.memoryUsage();
      peakRss = Math.max(peakRss, usage.rss);
      peakHeap = Math.max(peakHeap, usage.heapUsed);
    }, 10);
    const start = performance.now();
    const report = await monitor.pollOnce();
    const pollSeconds = (performance.now() - start) / 1000;
    clearInterval(sampler);
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
    const apiCalls: Record<string, number> = {};
    for (const r of fake.requests.slice(requestsBefore)) apiCalls[r.operation] = (apiCalls[r.operation] ?? 0) + 1;
    const start2 = performance.now();
    await monitor.pollOnce(); // re-check of 10,000 known events, nothing changed
    const unchangedPollSeconds = (performance.now() - start2) / 1000;
    return {
      provider,
      instances,
      pollSeconds,
      instancesPerSecond: report.events / pollSeconds,
      apiCalls,
      heapGrowthMiB: Math.round((peakHeap - heapBefore) / 1024 / 1024),
      peakRssGrowthMiB: Math.round((peakRss - rssBefore) / 1024 / 1024),
      unchangedPollSeconds,
      stored: report.stored,
    };
  } finally {
    await monitor.stop();
    await fake.close();
    await datastore.close();
    await sim.stop();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const instances = Number(flag('instances', '10000'));
  const perEvent = Number(flag('per-event', '200'));
  const providers = flag('providers', 'postgresql,embedded').split(',') as Array<'postgresql' | 'embedded'>;
  const app = (await import(pathToFileURL(join(APP_DIST, 'index.js')).href)) as AppModule;
  const fakes = (await import(pathToFileURL(join(APP_DIST, 'fakes/index.js')).href)) as FakesModule;
  log(
    `== csp-health-monitor: one AWS poll, ${instances} affected instances in ${Math.ceil(instances / perEvent)} events, 100 per page ==`,
  );
  const results: RunResult[] = [];
  for (const provider of providers) {
    const r = await run(provider, instances, perEvent, app, fakes);
    results.push(r);
    log(`${provider}`);
    log(
      `  poll: ${r.pollSeconds.toFixed(1)} s for ${r.instances} instances (${r.instancesPerSecond.toFixed(0)} instances/s, ${r.stored} stored)`,
    );
    log(
      `  API calls: ${Object.entries(r.apiCalls)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
    log(
      `  memory: peak heap +${r.heapGrowthMiB} MiB, peak RSS +${r.peakRssGrowthMiB} MiB during it (process also hosts the AWS fake)`,
    );
    log(
      `  unchanged re-poll (re-check of every known event): ${r.unchangedPollSeconds.toFixed(1)} s (×${(r.pollSeconds / r.unchangedPollSeconds).toFixed(1)} faster than the first)`,
    );
    if (results.length > 1)
      log(`  ×${(r.pollSeconds / results[0]!.pollSeconds).toFixed(2)} the time of ${results[0]!.provider}`);
  }
  log(`rss now ${mib(process.memoryUsage().rss)}`);
  log(JSON.stringify({ csp: results }));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
