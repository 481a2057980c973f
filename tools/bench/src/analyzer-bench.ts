/**
 * health-events-analyzer benchmark: events analysed per second with all 22 shipped rules enabled
 * over a generated history (1,000 nodes, 30 days), on postgresql and on embedded. For each
 * trigger every enabled rule runs through `aggregate()` exactly as the service's handler does
 * (publishing is not included: matches are rare and go to another process). Prints throughput
 * at 1 and N workers, p50/p99 per event, per-rule p50/p99 and the slowest rule, and the EXPLAIN
 * of one windowed rule. Prints numbers only; asserts nothing.
 *
 *   npm run bench:analyzer -w @nvsentinel/bench                       # pg 200k, embedded 20k (< 5 min)
 *   npm run bench:analyzer -w @nvsentinel/bench -- --full             # 1M on both (the scale)
 *   npm run bench:analyzer -w @nvsentinel/bench -- --pg-events=200000 --triggers=300 --workers=8
 *
 * postgresql: NVSENTINEL_BENCH_POSTGRES_URL (default the local server); the history is generated
 * in the server with INSERT … SELECT generate_series. embedded: inserted through the store in
 * batches (PGlite runs in this process), hence the smaller default.
 */
import pg from 'pg';
import { sql } from 'kysely';
import { sampleHealthEvent, type Entity, type HealthEvent } from '@nvsentinel/health-model';
import { compilePipeline, createDataStore, type DataStore } from '@nvsentinel/store-client';
import {
  DEFAULT_RULES_PATH,
  buildRulePipeline,
  evaluateRule,
  loadRules,
  type Rule,
} from '@nvsentinel/health-events-analyzer';
import { createBenchDatabase } from './store/database.js';
import { ms, summarize } from './store/stats.js';

const argv = process.argv.slice(2);
const full = argv.includes('--full');
function flag(name: string, fallback: number): number {
  const arg = argv.find((a) => a.startsWith(`--${name}=`));
  return arg ? Number(arg.split('=')[1]) : fallback;
}
const log = (line: string) => process.stdout.write(`${line}\n`);

const NODES = 1000;
const DAYS = 30;
const NOW_S = Math.floor(Date.now() / 1000);
const XIDS = ['13', '31', '48', '74', '79', '94', '119'];
const ZERO = '0'.repeat(32);

/** Register value with one bit set (bit n is character 31 − n). */
function bit(n: number): string {
  return ZERO.slice(0, 31 - n) + '1' + ZERO.slice(32 - n);
}

/** A varied trigger: XIDs on 8 GPUs (some XID 74 with registers, XID 13 with GPC/TPC) and NIC events. */
function triggerEvent(i: number): HealthEvent {
  const node = `n${(i * 7919) % NODES}`;
  const ts = { seconds: NOW_S - (i % 600), nanos: 0 };
  if (i % 10 === 9) {
    return sampleHealthEvent({
      nodeName: node,
      agent: 'syslog-health-monitor',
      checkName: 'SysLogsNICDriverError',
      componentClass: 'NIC',
      isFatal: false,
      errorCode: ['netdev_watchdog'],
      entitiesImpacted: [{ entityType: 'NIC', entityValue: 'mlx5_0' }],
      generatedTimestamp: ts,
    });
  }
  const xid = XIDS[i % XIDS.length];
  const entities: Entity[] = [
    { entityType: 'GPU', entityValue: String(i % 8) },
    { entityType: 'GPU_UUID', entityValue: `GPU-${i % 8}` },
  ];
  if (xid === '74') {
    for (let r = 0; r < 7; r++)
      entities.push({ entityType: `REG${r}`, entityValue: r === i % 5 ? bit([20, 4, 13, 16, 18][i % 5]) : ZERO });
    entities.push({ entityType: 'NVLINK', entityValue: String(i % 18) });
  }
  if (xid === '13')
    entities.push({ entityType: 'GPC', entityValue: String(i % 4) }, { entityType: 'TPC', entityValue: String(i % 3) });
  return sampleHealthEvent({
    nodeName: node,
    agent: 'syslog-health-monitor',
    checkName: 'SysLogsXIDError',
    errorCode: [xid],
    entitiesImpacted: entities,
    generatedTimestamp: ts,
  });
}

/** The history in the server: `events` over NODES nodes and DAYS days, canonical documents. */
async function generateInPostgres(url: string, events: number): Promise<void> {
  const client = new pg.Client({ connectionString: url, options: '-c jit=off' });
  await client.connect();
  try {
    const span = DAYS * 86400;
    await client.query(
      `INSERT INTO health_events (id, document)
       SELECT gen_random_uuid(), jsonb_build_object(
         '_id', gen_random_uuid()::text,
         'createdAt', jsonb_build_object('$date', to_char(to_timestamp($2::bigint - (i * 7) % $3) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')),
         'healthevent', jsonb_build_object(
           'version', 1, 'agent', CASE WHEN i % 50 = 0 THEN 'health-events-analyzer' ELSE 'syslog-health-monitor' END,
           'componentclass', 'GPU', 'checkname', 'SysLogsXIDError', 'isfatal', i % 4 <> 0, 'ishealthy', i % 11 = 0,
           'message', 'xid', 'recommendedaction', 5, 'processingstrategy', CASE WHEN i % 5 = 0 THEN 3 ELSE 1 END,
           'errorcode', jsonb_build_array(($4::text[])[1 + i % 7]),
           'entitiesimpacted', jsonb_build_array(
             jsonb_build_object('entitytype', 'GPU', 'entityvalue', (i % 8)::text),
             jsonb_build_object('entitytype', 'GPU_UUID', 'entityvalue', 'GPU-' || (i % 8)),
             jsonb_build_object('entitytype', 'REG0', 'entityvalue', CASE WHEN i % 7 = 3 THEN $5 ELSE $6 END)),
           'metadata', '{}'::jsonb,
           'generatedtimestamp', jsonb_build_object('seconds', $2::bigint - (i * 7) % $3, 'nanos', 0),
           'nodename', 'n' || (i % $7), 'id', '', 'customrecommendedaction', ''),
         'healtheventstatus', jsonb_build_object('nodequarantined', 'Quarantined',
           'userpodsevictionstatus', jsonb_build_object('status', 'Succeeded', 'message', ''),
           'faultremediated', CASE WHEN i % 3 = 0 THEN jsonb_build_object('value', true) ELSE 'null'::jsonb END, 'spanids', '{}'::jsonb))
       FROM generate_series(1, $1::int) AS i`,
      [events, NOW_S - 3600, span, XIDS, bit(20), ZERO, NODES],
    );
    await client.query('TRUNCATE nvsentinel_changelog');
    await client.query('ANALYZE health_events');
  } finally {
    await client.end();
  }
}

/** The same shape through the store (embedded runs in-process). */
async function generateThroughStore(datastore: DataStore, events: number): Promise<void> {
  const store = datastore.healthEventStore();
  const batch = 1000;
  for (let start = 0; start < events; start += batch) {
    const docs = [];
    for (let i = start; i < Math.min(events, start + batch); i++) {
      const seconds = NOW_S - 3600 - ((i * 7) % (DAYS * 86400));
      docs.push({
        healthEvent: sampleHealthEvent({
          nodeName: `n${i % NODES}`,
          agent: i % 50 === 0 ? 'health-events-analyzer' : 'syslog-health-monitor',
          checkName: 'SysLogsXIDError',
          isFatal: i % 4 !== 0,
          isHealthy: i % 11 === 0,
          errorCode: [XIDS[i % 7]],
          processingStrategy: i % 5 === 0 ? 3 : 1,
          entitiesImpacted: [
            { entityType: 'GPU', entityValue: String(i % 8) },
            { entityType: 'GPU_UUID', entityValue: `GPU-${i % 8}` },
            { entityType: 'REG0', entityValue: i % 7 === 3 ? bit(20) : ZERO },
          ],
          generatedTimestamp: { seconds, nanos: 0 },
        }),
        healthEventStatus: { faultRemediated: i % 3 === 0 ? true : null },
        createdAt: new Date(seconds * 1000),
      });
    }
    await store.insertHealthEvents(...docs);
  }
}

interface RunResult {
  eventsPerSecond: number;
  perEvent: ReturnType<typeof summarize>;
  perRule: Map<string, number[]>;
  matches: number;
}

async function analyse(
  datastore: DataStore,
  rules: Rule[],
  triggers: Record<string, unknown>[],
  workers: number,
): Promise<RunResult> {
  const store = datastore.healthEventStore();
  const perEvent: number[] = [];
  const perRule = new Map<string, number[]>(rules.map((r) => [r.name, []]));
  let next = 0;
  let matches = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < triggers.length) {
        const trigger = triggers[next++];
        const t0 = performance.now();
        for (const rule of rules) {
          const r0 = performance.now();
          if ((await evaluateRule(store, rule, trigger)).matched) matches++;
          perRule.get(rule.name)!.push(performance.now() - r0);
        }
        perEvent.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { eventsPerSecond: triggers.length / seconds, perEvent: summarize(perEvent), perRule, matches };
}

async function storeTriggers(datastore: DataStore, count: number): Promise<Record<string, unknown>[]> {
  const store = datastore.healthEventStore();
  const ids = await store.insertHealthEvents(
    ...Array.from({ length: count }, (_, i) => ({ healthEvent: triggerEvent(i) })),
  );
  const docs = await store.aggregate([{ $match: { _id: { $in: ids } } }]);
  const byId = new Map(docs.map((d) => [String(d._id), d]));
  return ids.map((id) => byId.get(id)!);
}

function report(provider: string, history: number, workers: number, one: RunResult, many: RunResult): void {
  log(
    `-- ${provider}: ${history.toLocaleString('en-US')} events of history, ${one.perEvent.count} triggers, 22 rules --`,
  );
  log(
    `1 worker:  ${one.eventsPerSecond.toFixed(1)} events/s, per event p50 ${ms(one.perEvent.p50)} p99 ${ms(one.perEvent.p99)}`,
  );
  log(
    `${workers} workers: ${many.eventsPerSecond.toFixed(1)} events/s, per event p50 ${ms(many.perEvent.p50)} p99 ${ms(many.perEvent.p99)} (${many.matches} matches)`,
  );
  log(`ratio vs upstream's ~57 events/s per replica (#1800): ${(many.eventsPerSecond / 57).toFixed(1)}x`);
  const rows = [...one.perRule.entries()]
    .map(([name, samples]) => ({ name, total: samples.reduce((t, v) => t + v, 0), ...summarize(samples) }))
    .sort((a, b) => b.total - a.total);
  const all = rows.reduce((t, r) => t + r.total, 0) || 1;
  // Ordered by total SQL time (1 worker): a rule with a cheap p50 and a slow tail can cost most.
  for (const r of rows)
    log(
      `  ${r.name.padEnd(36)} p50 ${ms(r.p50)} p99 ${ms(r.p99)} total ${ms(r.total)} (${((100 * r.total) / all).toFixed(1)}%)`,
    );
  log(
    `slowest rule: ${rows[0].name} (p50 ${ms(rows[0].p50)}, ${((100 * rows[0].total) / all).toFixed(1)}% of SQL time)`,
  );
}

/** EXPLAIN of one windowed rule, compiled as the SQL store does it (same source columns and indexes). */
async function explain(url: string, rule: Rule, trigger: Record<string, unknown>): Promise<void> {
  const source = sql`(SELECT document AS doc, node_name, created_at, generated_seconds FROM health_events)`;
  const compiled = compilePipeline(buildRulePipeline(rule, trigger), source, {
    indexedPaths: {
      'healthevent.nodename': { column: sql.ref('node_name'), type: 'text' },
      'healthevent.generatedtimestamp.seconds': { column: sql.ref('generated_seconds'), type: 'numeric' },
    },
  });
  const { Kysely, PostgresDialect } = await import('kysely');
  const pool = new pg.Pool({ connectionString: url, max: 1, options: '-c jit=off' });
  pool.on('error', () => undefined);
  const db = new Kysely<Record<string, never>>({ dialect: new PostgresDialect({ pool }) });
  try {
    const q = compiled.compile(db);
    const { rows } = await pool
      .query(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${q.sql}`, q.parameters as unknown[])
      .catch((err: Error) => ({ rows: [{ 'QUERY PLAN': `EXPLAIN failed: ${err.message}` }] }));
    log(`EXPLAIN ${rule.name} (node ${String((trigger.healthevent as { nodename: string }).nodename)}):`);
    for (const row of rows) {
      const line = String(row['QUERY PLAN']);
      if (/Index|Scan|Heap|Execution|Planning|Rows Removed|failed/.test(line)) log(`  ${line}`);
    }
  } finally {
    await db.destroy();
  }
}

async function main(): Promise<void> {
  const pgEvents = flag('pg-events', full ? 1_000_000 : 200_000);
  const embeddedEvents = flag('embedded-events', full ? 1_000_000 : 20_000);
  const triggerCount = flag('triggers', 200);
  const workers = flag('workers', 8);
  const only = argv
    .find((a) => a.startsWith('--rules='))
    ?.split('=')[1]
    ?.split(',');
  const rules = (await loadRules(DEFAULT_RULES_PATH)).filter((r) => r.evaluateRule && (!only || only.includes(r.name)));

  if (!argv.includes('--skip-pg')) {
    const database = await createBenchDatabase();
    const datastore = await createDataStore(database.config({ maxConnections: workers + 2 }));
    try {
      let t = performance.now();
      await generateInPostgres(database.url, pgEvents);
      log(
        `postgresql: generated ${pgEvents.toLocaleString('en-US')} events in ${((performance.now() - t) / 1000).toFixed(1)} s`,
      );
      const triggers = await storeTriggers(datastore, triggerCount);
      t = performance.now();
      const explainRule = rules.find((r) => r.name === 'RepeatedXIDErrorOnSameGPU') ?? rules[0];
      const xid48 = triggers.find((d) => (d.healthevent as { errorcode: string[] }).errorcode[0] === '48')!;
      if (argv.includes('--explain-only')) return await explain(database.url, explainRule, xid48);
      const one = await analyse(datastore, rules, triggers.slice(0, Math.min(100, triggers.length)), 1);
      const many = await analyse(datastore, rules, triggers, workers);
      report('postgresql', pgEvents, workers, one, many);
      log(`(analysis runs took ${((performance.now() - t) / 1000).toFixed(1)} s)`);
      await explain(database.url, explainRule, xid48);
    } finally {
      await datastore.close();
      await database.drop();
    }
  }

  if (!argv.includes('--skip-embedded')) {
    const datastore = await createDataStore({
      provider: 'embedded',
      connection: { host: '', port: 0, database: 'nvsentinel' },
      options: {},
    });
    try {
      const t = performance.now();
      await generateThroughStore(datastore, embeddedEvents);
      log(
        `embedded: inserted ${embeddedEvents.toLocaleString('en-US')} events in ${((performance.now() - t) / 1000).toFixed(1)} s`,
      );
      const triggers = await storeTriggers(datastore, Math.min(triggerCount, 200));
      const one = await analyse(datastore, rules, triggers.slice(0, 50), 1);
      const many = await analyse(datastore, rules, triggers, workers);
      report('embedded', embeddedEvents, workers, one, many);
    } finally {
      await datastore.close();
    }
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
