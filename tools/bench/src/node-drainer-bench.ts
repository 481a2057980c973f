/**
 * node-drainer throughput: nodes fully drained per second for quarantined nodes with workload
 * pods (default 100 nodes × 15 pods), at upstream's client budget (QPS 5, burst 10, one worker)
 * and at higher budgets with parallel workers. Prints numbers and ratios to the upstream-like run
 * of the same invocation; asserts nothing.
 *
 *   npm run bench:node-drainer -w @nvsentinel/bench
 *   npm run bench:node-drainer -w @nvsentinel/bench -- --nodes=20 --pods=15
 *   npm run bench:node-drainer -w @nvsentinel/bench -- --skip-slow --min-qps=50
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
  const nodes = flag('nodes', 100);
  const podsPerNode = flag('pods', 15);
  const runs = [
    { label: 'upstream budget: QPS 5 / burst 10, 1 worker', qps: 5, burst: 10, workers: 1 },
    { label: 'QPS 5 / burst 10, 8 workers', qps: 5, burst: 10, workers: 8 },
    { label: 'QPS 50 / burst 100, 8 workers', qps: 50, burst: 100, workers: 8 },
    { label: 'QPS 200 / burst 400, 16 workers', qps: 200, burst: 400, workers: 16 },
  ]
    // --skip-slow drops the 8-worker run at QPS 5 (same ceiling as one worker, ~6 min at 100 nodes).
    .filter((_, i) => !process.argv.includes('--skip-slow') || i !== 1)
    // --min-qps=50 keeps only the fast runs (ratios are then against the first of those).
    .filter((run) => run.qps >= flag('min-qps', 0));
  log(`== node-drainer: ${nodes} quarantined nodes × ${podsPerNode} pods, Immediate mode, PostgreSQL + cluster-sim (processes) ==`);
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
