/**
 * fault-remediation throughput and latency: a burst of drained nodes (default 1,000) on the
 * cluster simulator and PostgreSQL, at fault-remediation's default client budget and at a tuned
 * one. Prints CRs created per second, p50/p90/p99 from the drain `Succeeded` write to the CR
 * being observed, API requests per CR, and ratios to the first run. Upstream #1705 (200-event
 * burst, real cluster): drained → remediation dispatched p50 3.2 s, p99 5.8 s. Asserts nothing.
 *
 *   npm run bench:fault-remediation -w @nvsentinel/bench
 *   npm run bench:fault-remediation -w @nvsentinel/bench -- --nodes=200
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
  const runs = [
    { label: 'defaults: QPS 20 / burst 40, 16 workers', qps: 20, burst: 40, workers: 16 },
    { label: 'tuned: QPS 500 / burst 1000, 64 workers', qps: 500, burst: 1000, workers: 64 },
  ];
  log(
    `== fault-remediation: ${nodes} drained nodes in one burst → RebootNode CRs, PostgreSQL + cluster-sim (process) ==`,
  );
  const results: RemediationRunResult[] = [];
  for (const run of runs) {
    const result = await runRemediation({ ...run, nodes }, log);
    results.push(result);
    const baseline = results[0]!;
    log(`${run.label}`);
    log(
      `  ${result.crsPerSecond.toFixed(1)} CRs/s (${result.seconds.toFixed(1)} s for ${nodes}; ${(result.kubeRequests / nodes).toFixed(1)} API requests/CR, ` +
        `QPS ceiling ${(run.qps / (result.kubeRequests / nodes)).toFixed(1)} CRs/s; ×${(result.crsPerSecond / baseline.crsPerSecond).toFixed(1)} vs ${baseline.label})`,
    );
    log(`  drain Succeeded → CR created: ${fmt(result.drainedToCr)}`);
  }
  log(JSON.stringify({ faultRemediation: results }));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
