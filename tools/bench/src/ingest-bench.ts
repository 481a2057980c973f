/**
 * Ingest benchmark: platform-connectors runs as its own process (built dist/main.js, PostgreSQL,
 * no Kubernetes); this process plays the health monitors over gRPC on the unix socket. Every
 * acknowledgement means "durably stored". Prints sustained events/s and acknowledge latency for
 * batches of 1 and 100, beside the raw datastore insert rate measured in the same run.
 * Asserts nothing (tests assert behaviour; this prints numbers).
 *
 *   npm run bench:ingest -w @nvsentinel/bench                       # 10 s per scenario
 *   npm run bench:ingest -w @nvsentinel/bench -- --seconds=5 --callers=64 --callers100=64 --threads=1 --inserts=2
 *
 * Server: NVSENTINEL_BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@nvsentinel/store-client';
import { type LoadResult } from './ingest/load.js';
import { runParallelLoad } from './ingest/parallel-load.js';
import { measureRawInsert } from './ingest/raw-insert.js';
import { startEchoServer } from './ingest/echo-server.js';
import { startServerProcess } from './ingest/server-process.js';
import { createBenchDatabase } from './store/database.js';
import { ms } from './store/stats.js';

function flag(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  return arg ? Number(arg.split('=')[1]) : fallback;
}

const log = (line: string): void => void process.stdout.write(`${line}\n`);
const rate = (n: number): string => `${Math.round(n).toLocaleString('en-US')} events/s`;

async function main(): Promise<void> {
  const seconds = flag('seconds', 10);
  const callersForSingles = flag('callers', 64);
  const callersForHundreds = flag('callers100', 64);
  const threads = flag('threads', 1);
  const inserts = flag('inserts', 2);
  const database = await createBenchDatabase();
  const dir = await mkdtemp(join(tmpdir(), 'nvs-ingest-bench-'));
  const config = database.config({ connectTimeoutMs: 5000 });
  const summary: Record<string, unknown> = {};
  try {
    log('== raw datastore insert (no service), 1000-event multi-row inserts ==');
    for (const inFlight of [...new Set([1, inserts])]) {
      const raw = await measureRawInsert(config, 1000, inFlight, Math.max(2, seconds / 2));
      log(
        `raw insert, ${inFlight} in flight: ${rate(raw.eventsPerSecond)} (${raw.events} events in ${raw.seconds.toFixed(1)} s)`,
      );
      summary[`raw_${inFlight}`] = raw;
    }

    const echo = await startEchoServer(dir);
    try {
      for (const [batch, callers] of [
        [1, callersForSingles],
        [100, callersForHundreds],
      ] as const) {
        const ceiling = await runParallelLoad(echo.socketPath, batch, callers, Math.max(2, seconds / 2), threads);
        log(
          `gRPC transport ceiling (server acks without work), batch ${batch}: ${rate(ceiling.eventsPerSecond)}, ${Math.round(ceiling.calls / ceiling.seconds)} calls/s, p99 ${ms(ceiling.latency.p99)}`,
        );
        summary[`echo_batch_${batch}`] = ceiling;
      }
    } finally {
      await echo.stop();
    }

    const server = await startServerProcess(config, dir, inserts);
    try {
      // Warm-up: JIT, pool connections, prepared paths.
      await runParallelLoad(server.socketPath, 10, 32, 2, threads);
      const scenarios: Array<[batch: number, callers: number]> = [
        [1, callersForSingles],
        [100, callersForHundreds],
      ];
      for (const [batch, callers] of scenarios) {
        const insertsBefore = await server.metric('platform_connector_store_insert_batches_total');
        const result: LoadResult = await runParallelLoad(server.socketPath, batch, callers, seconds, threads);
        const inserts = (await server.metric('platform_connector_store_insert_batches_total')) - insertsBefore;
        log(
          `== gRPC ingest, batch ${batch}, ${callers} concurrent callers on ${threads} threads, ${result.seconds.toFixed(1)} s ==`,
        );
        log(
          `${rate(result.eventsPerSecond)} acknowledged (${result.events} events, ${result.calls} calls, ${result.failures} refused); ` +
            `ack latency p50 ${ms(result.latency.p50)} p99 ${ms(result.latency.p99)} max ${ms(result.latency.max)}; ` +
            `${inserts} inserts → ${(result.events / Math.max(1, inserts)).toFixed(0)} events per round trip`,
        );
        summary[`grpc_batch_${batch}`] = { ...result, inserts };
      }
    } finally {
      await server.stop();
    }
    // The machine's load drifts (2 shared cores): measure the raw rate again after the service
    // runs and compare against the mean of both measurements.
    const rawAfter = await measureRawInsert(config, 1000, inserts, Math.max(2, seconds / 2));
    log(`raw insert again after the service runs, ${inserts} in flight: ${rate(rawAfter.eventsPerSecond)}`);
    summary[`raw_${inserts}_after`] = rawAfter;
    const raw = {
      eventsPerSecond:
        ((summary[`raw_${inserts}`] as { eventsPerSecond: number }).eventsPerSecond + rawAfter.eventsPerSecond) / 2,
    };
    for (const key of ['grpc_batch_1', 'grpc_batch_100']) {
      const r = summary[key] as LoadResult | undefined;
      if (r)
        log(
          `${key}: ${(r.eventsPerSecond / raw.eventsPerSecond).toFixed(2)}× the raw insert rate (${inserts} in flight as the service; mean of before and after)`,
        );
    }
    log(`JSON ${JSON.stringify(summary)}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
    await database.drop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`ingest benchmark failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
