/**
 * fault-quarantine benchmark: a storm of fatal GPU events, one per node, inserted at once into
 * PostgreSQL; the built service (its own process) quarantines the nodes of the cluster simulator
 * (its own process) over HTTP. Prints nodes quarantined per second and the latency from insert to
 * the node being seen cordoned, for an upstream-like configuration (one event at a time, client-go's
 * QPS 5) measured in the same run, then for our defaults and a tuned configuration.
 * Asserts nothing (tests assert behaviour; this prints numbers).
 *
 *   npm run bench:fault-quarantine -w @nvsentinel/bench
 *   npm run bench:fault-quarantine -w @nvsentinel/bench -- --nodes=1000 --baseline-nodes=100 --workers=64 --qps=500
 *
 * Server: NVSENTINEL_BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type HealthEvent, RecommendedAction, sampleHealthEvent } from '@nvsentinel/health-model';
import { createDataStore, type DataStore } from '@nvsentinel/store-client';
import { watchCordons } from './fault-quarantine/cordon-watch.js';
import { startFaultQuarantine, startSimulator } from './fault-quarantine/processes.js';
import { createBenchDatabase } from './store/database.js';
import { ms, sleep, summarize } from './store/stats.js';

function flag(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  return arg ? Number(arg.split('=')[1]) : fallback;
}

const log = (line: string): void => void process.stdout.write(`${line}\n`);

interface Scenario {
  label: string;
  nodes: number;
  workers: number;
  qps: number;
  burst: number;
}

interface Result {
  scenario: Scenario;
  nodesPerSecond: number;
  stormSeconds: number;
  latency: ReturnType<typeof summarize>;
  isolated: ReturnType<typeof summarize>;
}

function fatalEvent(nodeName: string): HealthEvent {
  return sampleHealthEvent({ nodeName, recommendedAction: RecommendedAction.RESTART_VM });
}

const insert = (store: DataStore, events: HealthEvent[]) =>
  store.healthEventStore().insertHealthEvents(...events.map((healthEvent) => ({ healthEvent })));

/** The service starts reading "now" on its first start: insert probes until it has read one. */
async function primeStream(store: DataStore, received: () => Promise<number>): Promise<void> {
  for (let attempt = 0; attempt < 60; attempt++) {
    await insert(store, [fatalEvent('bench-probe-node')]);
    await sleep(500);
    if ((await received()) > 0) return;
  }
  throw new Error('fault-quarantine never received a probe event');
}

const ISOLATED_EVENTS = 30;

async function runScenario(scenario: Scenario, dir: string): Promise<Result> {
  const database = await createBenchDatabase();
  const config = database.config({ changeStreamPollIntervalMs: 500 });
  const store = await createDataStore(config); // also creates the schema
  const sim = await startSimulator(scenario.nodes + ISOLATED_EVENTS, dir);
  const fq = await startFaultQuarantine({
    datastore: config,
    kubeconfigPath: sim.kubeconfigPath,
    workers: scenario.workers,
    qps: scenario.qps,
    burst: scenario.burst,
  });
  const watch = await watchCordons(sim.kubeconfigPath);
  try {
    await primeStream(store, () => fq.metric('fault_quarantine_events_received_total'));
    const stormNodes = Array.from({ length: scenario.nodes }, (_, i) => `gpu-node-${i}`);
    const start = performance.now();
    await insert(store, stormNodes.map(fatalEvent));
    await watch.waitFor(scenario.nodes, Math.max(120_000, (scenario.nodes * 4000) / scenario.qps));
    const latencies = stormNodes.map((n) => watch.cordonedAt.get(n)! - start);
    const stormSeconds = Math.max(...latencies) / 1000;

    // One event at a time on an idle service: latency without queueing.
    const isolated: number[] = [];
    for (let i = 0; i < ISOLATED_EVENTS; i++) {
      const name = `gpu-node-${scenario.nodes + i}`;
      const t = performance.now();
      await insert(store, [fatalEvent(name)]);
      await watch.waitFor(scenario.nodes + i + 1, 60_000);
      isolated.push(watch.cordonedAt.get(name)! - t);
    }
    return {
      scenario,
      nodesPerSecond: scenario.nodes / stormSeconds,
      stormSeconds,
      latency: summarize(latencies),
      isolated: summarize(isolated),
    };
  } finally {
    watch.stop();
    await fq.stop();
    await sim.stop();
    await store.close();
    await database.drop();
  }
}

async function main(): Promise<void> {
  const nodes = flag('nodes', 1000);
  const baselineNodes = flag('baseline-nodes', 100);
  const scenarios: Scenario[] = [
    { label: 'upstream-like: 1 worker, QPS 5/10', nodes: baselineNodes, workers: 1, qps: 5, burst: 10 },
    { label: 'ours, defaults: 16 workers, QPS 20/40', nodes, workers: 16, qps: 20, burst: 40 },
    {
      label: `ours, tuned: ${flag('workers', 64)} workers, QPS ${flag('qps', 500)}`,
      nodes,
      workers: flag('workers', 64),
      qps: flag('qps', 500),
      burst: flag('qps', 500) * 2,
    },
  ];
  const dir = await mkdtemp(join(tmpdir(), 'nvs-fq-bench-'));
  const results: Result[] = [];
  try {
    for (const scenario of scenarios) {
      log(`running: ${scenario.label}, storm of ${scenario.nodes} fatal events on ${scenario.nodes} nodes …`);
      const result = await runScenario(scenario, dir);
      results.push(result);
      log(
        `  ${result.nodesPerSecond.toFixed(1)} nodes/s (storm done in ${result.stormSeconds.toFixed(1)} s); insert→cordoned p50 ${ms(result.latency.p50)}, p99 ${ms(result.latency.p99)}; ` +
          `isolated event p50 ${ms(result.isolated.p50)}, p99 ${ms(result.isolated.p99)}`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const baseline = results[0]!;
  log('\nfault-quarantine: nodes quarantined per second in a storm (upstream publishes ≈2.5 nodes/s)');
  log('| configuration | nodes | nodes/s | × upstream-like | storm p50 | storm p99 | isolated p50 | isolated p99 |');
  log('|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    log(
      `| ${r.scenario.label} | ${r.scenario.nodes} | ${r.nodesPerSecond.toFixed(1)} | ${(r.nodesPerSecond / baseline.nodesPerSecond).toFixed(1)}× | ` +
        `${ms(r.latency.p50)} | ${ms(r.latency.p99)} | ${ms(r.isolated.p50)} | ${ms(r.isolated.p99)} |`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
