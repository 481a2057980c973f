/**
 * Pipeline→SQL translator benchmark: translation time, and query time of typical analyzer rules
 * over N generated health events (default 1M), beside a hand-written SQL baseline for the same
 * question measured in the same run. Prints numbers; asserts nothing.
 *
 *   npm run bench:translator -w @nvsentinel/bench                 # 1M events
 *   npm run bench:translator -w @nvsentinel/bench -- --events=200000 --queries=30
 *
 * Server: NVSENTINEL_BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres).
 * Data is generated in the server with INSERT … SELECT generate_series and dropped afterwards.
 */
import pg from 'pg';
import { Kysely, PostgresDialect, sql, type RawBuilder } from 'kysely';
import { QUERY_FUNCTIONS_SQL, compilePipeline, type CompileOptions } from '@nvsentinel/store-client';
import { createBenchDatabase } from './store/database.js';
import { ms, summarize } from './store/stats.js';

function flag(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  return arg ? Number(arg.split('=')[1]) : fallback;
}
const log = (line: string) => process.stdout.write(`${line}\n`);

const NODES = 1000;
const DAY_MS = 86_400_000;
const NOW = new Date('2026-03-01T00:00:00.000Z');

/** The analyzer's fixed prefix plus MultipleRemediations (≥5 remediations in 7 days). */
function multipleRemediations(node: string): Record<string, unknown>[] {
  return [
    {
      $match: {
        'healthevent.agent': { $ne: 'health-events-analyzer' },
        'healthevent.processingstrategy': { $in: [1, 3, null] },
        'healthevent.nodename': node,
      },
    },
    {
      $match: {
        'healtheventstatus.faultremediated.value': true,
        'healthevent.isfatal': true,
        $expr: { $gte: ['$createdAt', { $subtract: [NOW, 7 * DAY_MS] }] },
      },
    },
    { $count: 'remediations' },
    { $match: { remediations: { $gte: 5 } } },
  ];
}

/** RepeatedXIDErrorOnSameGPU: bursts (3-minute buckets) of XID 79 on GPU 1 in 24 h. */
function repeatedXid(node: string): Record<string, unknown>[] {
  return [
    {
      $match: {
        'healthevent.agent': { $ne: 'health-events-analyzer' },
        'healthevent.processingstrategy': { $in: [1, 3, null] },
        'healthevent.nodename': node,
      },
    },
    {
      $match: {
        'healthevent.errorcode': '79',
        'healthevent.entitiesimpacted': { $elemMatch: { entitytype: 'GPU', entityvalue: '1' } },
        $expr: { $gte: ['$createdAt', { $subtract: [NOW, DAY_MS] }] },
      },
    },
    {
      $group: { _id: { $toLong: { $divide: [{ $subtract: ['$createdAt', new Date(0)] }, 180_000] } }, n: { $sum: 1 } },
    },
    { $count: 'bursts' },
    { $project: { ruleMatched: { $gte: ['$bursts', 3] } } },
  ];
}

/** Hand-written SQL answering MultipleRemediations, using the node index (the baseline). */
function baselineRemediations(node: string): RawBuilder<unknown> {
  return sql`SELECT count(*) AS remediations FROM bench_events
    WHERE node_name = ${node}
      AND doc #>> '{healthevent,agent}' IS DISTINCT FROM 'health-events-analyzer'
      AND coalesce((doc #> '{healthevent,processingstrategy}')::text, 'null') IN ('1', '3', 'null')
      AND doc #> '{healtheventstatus,faultremediated,value}' = 'true'::jsonb
      AND doc #> '{healthevent,isfatal}' = 'true'::jsonb
      AND doc #>> '{createdAt,$date}' >= ${new Date(NOW.getTime() - 7 * DAY_MS).toISOString()}
    HAVING count(*) >= 5`;
}

async function timeQueries(
  db: Kysely<Record<string, never>>,
  count: number,
  build: (node: string) => RawBuilder<unknown>,
) {
  const samples: number[] = [];
  let rows = 0;
  for (let i = 0; i < count; i++) {
    const node = `n${(i * 7919) % NODES}`;
    const started = performance.now();
    const result = await build(node).execute(db);
    samples.push(performance.now() - started);
    rows += result.rows.length;
  }
  return { ...summarize(samples), rows };
}

async function main(): Promise<void> {
  const events = flag('events', 1_000_000);
  const queries = flag('queries', 50);
  const database = await createBenchDatabase();
  // jit=off as the providers should run it (LLVM compile time dwarfs these queries).
  const pool = new pg.Pool({ connectionString: database.url, max: 2, options: '-c jit=off' });
  pool.on('error', () => undefined); // an idle client ended by the final DROP DATABASE is not a failure
  const db = new Kysely<Record<string, never>>({ dialect: new PostgresDialect({ pool }) });
  try {
    await sql.raw(QUERY_FUNCTIONS_SQL).execute(db);
    await sql`CREATE TABLE bench_events (id bigserial PRIMARY KEY, node_name text NOT NULL, doc jsonb NOT NULL)`.execute(
      db,
    );
    let started = performance.now();
    // Events spread over 30 days and 1000 nodes; ~1/3 remediated, XIDs 79/48/13 on GPUs 0-7.
    await sql`INSERT INTO bench_events (node_name, doc)
      SELECT 'n' || (i % ${NODES}), jsonb_build_object(
        '_id', 'e' || i,
        'createdAt', jsonb_build_object('$date', to_char((${NOW.toISOString()}::timestamptz - (i % 2592000) * interval '1 second') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')),
        'healthevent', jsonb_build_object(
          'nodename', 'n' || (i % ${NODES}), 'agent', CASE WHEN i % 50 = 0 THEN 'health-events-analyzer' ELSE 'syslog-health-monitor' END,
          'checkname', 'SysLogsXIDError', 'isfatal', i % 4 <> 0, 'ishealthy', false, 'processingstrategy', 1 + (i % 3),
          'errorcode', jsonb_build_array((ARRAY['79', '48', '13'])[1 + i % 3]),
          'entitiesimpacted', jsonb_build_array(jsonb_build_object('entitytype', 'GPU', 'entityvalue', (i % 8)::text)),
          'message', 'NVRM: Xid (PCI:0000:' || (i % 8) || '): ' || (ARRAY['79', '48', '13'])[1 + i % 3]),
        'healtheventstatus', jsonb_build_object('nodequarantined', 'Quarantined', 'userpodsevictionstatus', jsonb_build_object('status', 'Succeeded', 'message', ''),
          'faultremediated', CASE WHEN i % 3 = 0 THEN jsonb_build_object('value', true) ELSE 'null'::jsonb END))
      FROM generate_series(1, ${events}::int) AS i`.execute(db);
    await sql`CREATE INDEX bench_events_node ON bench_events (node_name)`.execute(db);
    await sql`ANALYZE bench_events`.execute(db);
    log(
      `generated ${events.toLocaleString('en-US')} events over ${NODES} nodes in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );

    const indexed: CompileOptions = {
      indexedPaths: { 'healthevent.nodename': { column: sql.ref('node_name'), type: 'text' } },
    };
    const indexedSource = sql`(SELECT doc, node_name FROM bench_events)`;
    const plainSource = sql`(SELECT doc FROM bench_events)`;

    log('== translation (compilePipeline + kysely compile to SQL text) ==');
    for (const [name, rule] of [
      ['MultipleRemediations', multipleRemediations],
      ['RepeatedXIDErrorOnSameGPU', repeatedXid],
    ] as const) {
      const rounds = 2000;
      started = performance.now();
      let length = 0;
      for (let i = 0; i < rounds; i++)
        length = compilePipeline(rule(`n${i % NODES}`), indexedSource, indexed).compile(db).sql.length;
      log(
        `${name}: ${(((performance.now() - started) / rounds) * 1000).toFixed(0)} µs per translation (${length} chars of SQL)`,
      );
    }

    log(`== query time, ${queries} rules on different nodes, ${events.toLocaleString('en-US')} events ==`);
    const baseline = await timeQueries(db, queries, baselineRemediations);
    log(
      `baseline hand-written SQL (node index):        p50 ${ms(baseline.p50)} p99 ${ms(baseline.p99)} (${baseline.rows} matches)`,
    );
    const viaIndex = await timeQueries(db, queries, (node) =>
      compilePipeline(multipleRemediations(node), indexedSource, indexed),
    );
    log(
      `MultipleRemediations, translated + indexedPaths: p50 ${ms(viaIndex.p50)} p99 ${ms(viaIndex.p99)} (${viaIndex.rows} matches) ratio ${(viaIndex.p50 / baseline.p50).toFixed(2)}`,
    );
    const xid = await timeQueries(db, queries, (node) => compilePipeline(repeatedXid(node), indexedSource, indexed));
    log(`RepeatedXIDErrorOnSameGPU, translated + index:  p50 ${ms(xid.p50)} p99 ${ms(xid.p99)} (${xid.rows} results)`);
    const scans = Math.max(3, Math.round(queries / 10));
    const viaScan = await timeQueries(db, scans, (node) => compilePipeline(multipleRemediations(node), plainSource));
    log(
      `MultipleRemediations, translated, no index (full jsonb scan): p50 ${ms(viaScan.p50)} p99 ${ms(viaScan.p99)} (${scans} runs)`,
    );
  } finally {
    await db.destroy();
    await database.drop();
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
