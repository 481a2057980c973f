/**
 * Store benchmarks (PostgreSQL provider, plus the embedded provider's change latency). Prints
 * numbers beside the raw limit measured in the same run; asserts nothing.
 *
 *   npm run bench:store -w @nvsentinel/bench                  # 1M events for the lookup benchmark
 *   npm run bench:store -w @nvsentinel/bench -- --events=200000 --seconds=3 --only=latency,batch
 *
 * Server: NVSENTINEL_BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres).
 */
import '@nvsentinel/store-client';
import { measureBatchInsert } from './store/batch-insert.js';
import { measureChangeLatency, measureRawNotify } from './store/change-latency.js';
import { createBenchDatabase, type BenchDatabase } from './store/database.js';
import { measureFindByNode } from './store/find-by-node.js';
import { ms } from './store/stats.js';

type Phase = 'latency' | 'batch' | 'find';
type Summary = Record<string, unknown>;

/** `--only=latency,batch,find` runs a subset (default: all). */
function enabled(phase: Phase): boolean {
  const arg = process.argv.find((a) => a.startsWith('--only='));
  return !arg || arg.slice('--only='.length).split(',').includes(phase);
}

function flag(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  return arg ? Number(arg.split('=')[1]) : fallback;
}

const log = (line: string) => process.stdout.write(`${line}\n`);
const perSecond = (n: number) => `${Math.round(n).toLocaleString('en-US')} rows/s`;

async function latencyPhase(database: BenchDatabase, seconds: number, summary: Summary): Promise<void> {
  log('== change-detection latency (send → delivery, server-side $match) ==');
  for (const rate of [100, 1000]) {
    const raw = await measureRawNotify(database.url, rate, seconds * 1000);
    // A generous connect timeout: when the server cannot absorb the rate, inserts queue for a
    // pooled connection and the achieved rate below says so, instead of the run failing.
    const pg = await measureChangeLatency(
      database.config({ changeStreamPollIntervalMs: 500, connectTimeoutMs: 120_000 }),
      rate,
      seconds * 1000,
    );
    log(
      `postgresql ${rate}/s: p50 ${ms(pg.stream.p50)} p99 ${ms(pg.stream.p99)} max ${ms(pg.stream.max)} ` +
        `(${pg.events} events, achieved ${Math.round(pg.achievedRate)}/s; insert round trip p50 ${ms(pg.insertRoundTrip.p50)}; ` +
        `commit ack → delivery p50 ${ms(pg.afterCommit.p50)} p99 ${ms(pg.afterCommit.p99)}) | raw NOTIFY p50 ${ms(raw.p50)} p99 ${ms(raw.p99)}`,
    );
    const embedded = await measureChangeLatency(
      {
        provider: 'embedded',
        connection: { host: '', port: 0, database: 'nvsentinel' },
        options: { changeStreamPollIntervalMs: 500 },
      },
      rate,
      seconds * 1000,
    );
    log(
      `embedded   ${rate}/s: p50 ${ms(embedded.stream.p50)} p99 ${ms(embedded.stream.p99)} max ${ms(embedded.stream.max)} ` +
        `(${embedded.events} events, achieved ${Math.round(embedded.achievedRate)}/s)`,
    );
    summary[`latency_${rate}`] = { postgresql: pg, rawNotify: raw, embedded };
  }
}

async function batchPhase(database: BenchDatabase, summary: Summary): Promise<void> {
  log('== batch insert (500 per call) ==');
  const batch = await measureBatchInsert(database.config(), database.url, 50_000, 500);
  log(
    `insertHealthEvents ${perSecond(batch.storeRowsPerSecond)} | raw multi-row INSERT: bare table ${perSecond(batch.rawBareRowsPerSecond)} ` +
      `(ratio ${(batch.storeRowsPerSecond / batch.rawBareRowsPerSecond).toFixed(2)}), health_events ${perSecond(batch.rawSameTableRowsPerSecond)} ` +
      `(ratio ${(batch.storeRowsPerSecond / batch.rawSameTableRowsPerSecond).toFixed(2)})`,
  );
  summary.batchInsert = batch;
}

async function findPhase(events: number, summary: Summary): Promise<void> {
  log(`== findHealthEventsByNode on ${events.toLocaleString('en-US')} events ==`);
  const database = await createBenchDatabase();
  try {
    const find = await measureFindByNode(database.config(), database.url, events, 300, log);
    log(
      `generated in ${find.generateSeconds.toFixed(1)} s (${find.nodes} nodes, ~${Math.round(find.events / find.nodes)} events each)`,
    );
    log(
      `findHealthEventsByNode p50 ${ms(find.store.p50)} p99 ${ms(find.store.p99)} | findHealthEventsByFilter p50 ${ms(find.storeByFilter.p50)} ` +
        `p99 ${ms(find.storeByFilter.p99)} | raw SELECT p50 ${ms(find.raw.p50)} p99 ${ms(find.raw.p99)}`,
    );
    summary.findByNode = find;
  } finally {
    await database.drop();
  }
}

async function main(): Promise<void> {
  const summary: Summary = {};
  const database = await createBenchDatabase();
  try {
    if (enabled('latency')) await latencyPhase(database, flag('seconds', 5), summary);
    if (enabled('batch')) await batchPhase(database, summary);
  } finally {
    await database.drop();
  }
  if (enabled('find')) await findPhase(flag('events', 1_000_000), summary);
  log(JSON.stringify({ benchmark: 'store', ...summary }));
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
