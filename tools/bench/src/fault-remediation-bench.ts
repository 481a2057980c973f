/**
 * fault-remediation throughput and latency: a burst of drained nodes (default 1,000) on the
 * cluster simulator and PostgreSQL, at fault-remediation's default client budget and at a tuned
 * one. Prints CRs created per second, p50/p90/p99 from the drain `Succeeded` write to the CR
 * being observed, API requests per CR, and ratios to the first run. Upstream #1705 (200-event
 * burst, real cluster): drained → remediation dispatched p50 3.2 s, p99 5.8 s; our goal is p99 < 0.5 s.
 * Asserts nothing. FR_BENCH_PROFILE=<dir> adds CPU profiles of the children (see remediation-run.ts).
 *
 *   npm run bench:fault-remediation -w @nvsentinel/bench
 *   npm run bench:fault-remediation -w @nvsentinel/bench -- --nodes=200
 *   npm run bench:fault-remediation -w @nvsentinel/bench -- --nodes=200 --warm-up=0   # a cold process
 */
import { type RemediationRunResult, runRemediation } from './fault-remediation/remediation-run.js';

function flag(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  return arg ? Number(arg.split('=')[1]) : fallback;
}

const log = (line: string) => process.stdout.write(`${line}\n`);
const fmt = (p: { p50: number; p90: number; p99: number }) =>
  `p50 ${p.p50.toFixed(2)} s / p90 ${p.p90.toFixed(2)} s / p99 ${p.p99.toFixed(2)} s`;

async function main(): Promise<void> {
  const nodes = flag('nodes', 1000);
  const warmUpNodes = flag('warm-up', 20);
  const goal = 0.5;
  const upstreamP99 = 5.8;
  const runs = [
    { label: 'defaults: QPS 20 / burst 40, 16 workers', qps: 20, burst: 40, workers: 16 },
    { label: 'tuned: QPS 500 / burst 1000, 256 workers', qps: 500, burst: 1000, workers: 256 },
  ];
  log(
    `== fault-remediation: ${nodes} drained nodes in one burst (after ${warmUpNodes} warm-up nodes) → RebootNode CRs, PostgreSQL + cluster-sim + fault-remediation (processes) ==`,
  );
  const results: RemediationRunResult[] = [];
  for (const run of runs) {
    const result = await runRemediation({ ...run, nodes, warmUpNodes }, log);
    results.push(result);
    const baseline = results[0]!;
    const perCr = result.kubeRequests / nodes;
    log(`${run.label}`);
    log(
      `  ${result.crsPerSecond.toFixed(1)} CRs/s (${result.seconds.toFixed(1)} s for ${nodes}; ${perCr.toFixed(1)} API requests/CR, ` +
        `QPS ceiling ${(run.qps / perCr).toFixed(1)} CRs/s; ×${(result.crsPerSecond / baseline.crsPerSecond).toFixed(1)} vs ${baseline.label})`,
    );
    log(
      `  drain Succeeded → CR created: ${fmt(result.drainedToCr)}; p99 ×${(result.drainedToCr.p99 / goal).toFixed(1)} the ${goal} s goal, ` +
        `×${(result.drainedToCr.p99 / upstreamP99).toFixed(2)} upstream's p99 ${upstreamP99} s (#1705, 200 events)`,
    );
    log(
      `  drain writes took ${result.drainWritesSeconds.toFixed(2)} s; mean API latency: ` +
        Object.entries(result.requestLatencyMs)
          .map(([kind, ms]) => `${kind} ${ms.toFixed(0)} ms`)
          .join(', '),
    );
  }
  log(JSON.stringify({ faultRemediation: results }));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
