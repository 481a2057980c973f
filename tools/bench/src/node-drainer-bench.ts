/**
 * node-drainer throughput: nodes fully drained per second for quarantined nodes with workload
 * pods, at upstream's client budget (QPS 5, burst 10, one worker) and at higher budgets with
 * parallel workers. Prints numbers and ratios to the upstream-like run of the same invocation;
 * asserts nothing.
 *
 * The default run (20 nodes × 15 pods, the 8-worker QPS 5 run left out) finishes in about three
 * minutes: at QPS 5 the API budget alone costs ~3.6 s per node. `--full` is the long run: 100
 * nodes and every budget, ~6 minutes for each QPS 5 run.
 *
 *   npm run bench:node-drainer -w @nvsentinel/bench
 *   npm run bench:node-drainer -w @nvsentinel/bench -- --full
 *   npm run bench:node-drainer -w @nvsentinel/bench -- --nodes=50 --pods=15
 *   npm run bench:node-drainer -w @nvsentinel/bench -- --min-qps=50
 *
 * Needs PostgreSQL (NVSENTINEL_BENCH_POSTGRES_URL, default the local server) and the built
 * cluster-sim and node-drainer (the npm script builds them).
 */
import { runDrain, type DrainRunResult } from './node-drainer/drain-run.js';

function flag(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  return arg ? Number(arg.split('=')[1]) : fallback;
}

const log = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  const full = process.argv.includes('--full');
  const nodes = flag('nodes', full ? 100 : 20);
  const podsPerNode = flag('pods', 15);
  const runs = [
    { label: 'upstream budget: QPS 5 / burst 10, 1 worker', qps: 5, burst: 10, workers: 1 },
    { label: 'QPS 5 / burst 10, 8 workers', qps: 5, burst: 10, workers: 8 },
    { label: 'QPS 50 / burst 100, 8 workers', qps: 50, burst: 100, workers: 8 },
    { label: 'QPS 200 / burst 400, 16 workers', qps: 200, burst: 400, workers: 16 },
  ]
    // The 8-worker run at QPS 5 has the same ceiling as one worker, so it only shows that workers
    // do not beat the client budget; it runs with --full (--skip-slow drops it there too).
    .filter((_, i) => i !== 1 || (full && !process.argv.includes('--skip-slow')))
    // --min-qps=50 keeps only the fast runs (ratios are then against the first of those).
    .filter((run) => run.qps >= flag('min-qps', 0));
  log(
    `== node-drainer: ${nodes} quarantined nodes × ${podsPerNode} pods, Immediate mode, PostgreSQL + cluster-sim (processes)` +
      `${full ? ', --full' : ' (default run; --full for 100 nodes and every budget)'} ==`,
  );
  const results: DrainRunResult[] = [];
  for (const run of runs) {
    const result = await runDrain({ ...run, nodes, podsPerNode }, log);
    results.push(result);
    const baseline = results[0]!;
    log(
      `${run.label.padEnd(42)} ${result.nodesPerSecond.toFixed(2)} nodes/s (${result.seconds.toFixed(1)} s; ` +
        `${result.requestsPerNode.toFixed(1)} API requests/node, QPS ceiling ${result.qpsCeilingNodesPerSecond.toFixed(2)} nodes/s; ` +
        `×${(result.nodesPerSecond / baseline.nodesPerSecond).toFixed(1)} vs ${baseline.label})`,
    );
  }
  log(JSON.stringify({ nodeDrainer: results }));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
