/**
 * janitor throughput: a burst of RebootNode CRs (default 200 nodes) on the cluster simulator,
 * each simulated reboot taking a fixed 2 s. By default (< 5 min): janitor's defaults in-process
 * (the baseline: sim provider injected, no gRPC) and the shipped processes (janitor main.js →
 * gRPC on a Unix socket → janitor-provider main.js --csp=sim). `--full` adds upstream's budget
 * (QPS 5 / burst 10, one worker: controller-runtime's default MaxConcurrentReconciles, minutes
 * for 200 CRs) and a wider budget. Prints
 * reboots/s, p50/p90/p99 of CR created → SignalSent=True and of CR created → NodeReady=True beyond
 * the downtime, and ratios to the first run. Upstream #1705 (200 nodes, real cluster): created →
 * SignalSent p50 13 s / p99 30 s; created → NodeReady p50 46.5 s / p99 81 s. Asserts nothing.
 *
 *   npm run bench:janitor -w @nvsentinel/bench
 *   npm run bench:janitor -w @nvsentinel/bench -- --nodes=50 --down=2
 *   npm run bench:janitor -w @nvsentinel/bench -- --full
 */
import { type RebootRunOptions, type RebootRunResult, runReboots } from './janitor/reboot-run.js';

function flag(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  return arg ? Number(arg.split('=')[1]) : fallback;
}

const log = (line: string) => process.stdout.write(`${line}\n`);
const fmt = (p: { p50: number; p90: number; p99: number }) =>
  `p50 ${p.p50.toFixed(2)} s / p90 ${p.p90.toFixed(2)} s / p99 ${p.p99.toFixed(2)} s`;

async function main(): Promise<void> {
  const nodes = flag('nodes', 200);
  const downSeconds = flag('down', 2);
  const full = process.argv.includes('--full');
  const runs: Array<Omit<RebootRunOptions, 'nodes' | 'downSeconds'>> = [
    {
      label: 'janitor defaults in-process: QPS 20 / burst 40, 16 workers',
      qps: 20,
      burst: 40,
      workers: 16,
      mode: 'in-process',
    },
    {
      label: 'janitor + janitor-provider processes (gRPC, Unix socket): QPS 20 / burst 40, 16 workers',
      qps: 20,
      burst: 40,
      workers: 16,
      mode: 'processes',
    },
    // 200 CRs × 3 requests before the signal: only a budget that covers the burst keeps SignalSent under a second.
    {
      label: 'processes, burst budget: QPS 200 / burst 600, 32 workers',
      qps: 200,
      burst: 600,
      workers: 32,
      mode: 'processes',
    },
    ...(full
      ? ([
          {
            label: 'upstream budget in-process: QPS 5 / burst 10, 1 worker',
            qps: 5,
            burst: 10,
            workers: 1,
            mode: 'in-process',
          },
          { label: 'processes: QPS 100 / burst 200, 32 workers', qps: 100, burst: 200, workers: 32, mode: 'processes' },
          {
            label: 'in-process, burst budget: QPS 200 / burst 600, 32 workers',
            qps: 200,
            burst: 600,
            workers: 32,
            mode: 'in-process',
          },
        ] as const)
      : []),
  ];
  log(
    `== janitor: ${nodes} RebootNode CRs at once, simulated reboot ${downSeconds} s, sim provider, cluster-sim (process)${full ? ', --full' : ''} ==`,
  );
  const results: RebootRunResult[] = [];
  for (const run of runs) {
    const result = await runReboots({ ...run, nodes, downSeconds }, log);
    results.push(result);
    const baseline = results[0]!;
    log(`${run.label}`);
    log(
      `  ${result.rebootsPerSecond.toFixed(2)} reboots/s (${result.seconds.toFixed(1)} s for ${nodes}; ${result.signals} signals; ${result.kubeRequests === undefined ? 'API requests not counted across processes' : `${(result.kubeRequests / nodes).toFixed(1)} API requests/CR`}; ×${(result.rebootsPerSecond / baseline.rebootsPerSecond).toFixed(1)} vs ${baseline.label})`,
    );
    log(`  created → SignalSent: ${fmt(result.toSignalSent)}`);
    log(`  created → NodeReady beyond the ${downSeconds} s reboot: ${fmt(result.beyondDowntime)}`);
  }
  log(JSON.stringify({ janitor: results }));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
