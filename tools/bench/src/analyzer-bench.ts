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
import { sampleHealthEvent, type Entity, type HealthEvent } from '@nvsentinel/health-model';
import { compileHealthEventAggregation, createDataStore, type DataStore } from '@nvsentinel/store-client';
import {
  DEFAULT_RULES_PATH,
  buildRulePipeline,
  compileCheckTrigger,
  evaluateRule,
  gatedOut,
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

/**
 * Every rule once per connection before measuring (skipping no gate), as a running analyzer has
 * done after its first events: each connection parses and plans a named statement once, and
 * those first executions would otherwise dominate a short run. Returns the seconds it took.
 */
async function warmUp(datastore: DataStore, rules: Rule[], lanes: number): Promise<number> {
  const store = datastore.healthEventStore();
  const trigger = compileCheckTrigger();
  const t = performance.now();
  // Two rounds of `lanes` concurrent passes: the pool hands out connections in no fixed order.
  for (let round = 0; round < 2; round++)
    await Promise.all(
      Array.from({ length: lanes }, async () => {
        for (const rule of rules) await evaluateRule(store, rule, trigger, { skipGated: false });
      }),
    );
  return (performance.now() - t) / 1000;
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

/**
 * The floor under any rule engine on this machine at this moment: per trigger one hand-written
 * indexed query over the node's 7-day window (`count(*)`), at the same concurrency. The ratio
 * to it makes numbers from a loaded, shared machine comparable between runs.
 */
async function floor(url: string, triggers: Record<string, unknown>[], workers: number): Promise<number> {
  const pool = new pg.Pool({ connectionString: url, max: workers, options: '-c jit=off' });
  pool.on('error', () => undefined);
  try {
    const text = 'SELECT count(*) FROM health_events WHERE node_name = $1 AND generated_seconds BETWEEN $2 AND $3';
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: workers }, async () => {
        while (next < triggers.length) {
          const he = triggers[next++].healthevent as { nodename: string; generatedtimestamp: { seconds: number } };
          const at = he.generatedtimestamp.seconds;
          await pool.query({ name: 'floor', text, values: [he.nodename, at - 604800, at] });
        }
      }),
    );
    return triggers.length / ((performance.now() - started) / 1000);
  } finally {
    await pool.end();
  }
}

interface RuleRow {
  name: string;
  total: number;
  p50: number;
  p99: number;
}

function report(
  provider: string,
  history: number,
  workers: number,
  one: RunResult,
  many: RunResult,
  warmUpSeconds: number,
  floorPerSecond?: number,
): RuleRow[] {
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
  log(
    `warm-up (every rule once per connection: parse + generic plan): ${warmUpSeconds.toFixed(1)} s, not included above`,
  );
  if (floorPerSecond !== undefined)
    log(
      `floor, same run: one hand-written indexed count per trigger at ${workers} workers: ${floorPerSecond.toFixed(0)} queries/s; analyzer / floor = ${(many.eventsPerSecond / floorPerSecond).toFixed(2)}`,
    );
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
  return rows;
}

/**
 * EXPLAIN (ANALYZE, BUFFERS) of a rule as the store runs it: the same compiled statement
 * (`compileHealthEventAggregation`), prepared with a generic plan like the named statements of the
 * postgresql provider, for the first trigger that passes the rule's gates. Prints the plan's
 * scan, index and timing lines.
 */
async function explain(url: string, rule: Rule, triggers: Record<string, unknown>[]): Promise<void> {
  const trigger = triggers.find((t) => !gatedOut(buildRulePipeline(rule, t)));
  if (!trigger) {
    log(`EXPLAIN ${rule.name}: every trigger is decided by its gates, no query runs`);
    return;
  }
  const { Kysely, PostgresDialect } = await import('kysely');
  const pool = new pg.Pool({ connectionString: url, max: 1, options: '-c jit=off' });
  pool.on('error', () => undefined);
  const db = new Kysely<Record<string, never>>({ dialect: new PostgresDialect({ pool }) });
  const client = await pool.connect();
  try {
    const q = compileHealthEventAggregation(buildRulePipeline(rule, trigger)).compile(db);
    const literal = (v: unknown) =>
      v === null ? 'NULL' : `'${(typeof v === 'string' ? v : JSON.stringify(v)).replace(/'/g, "''")}'`;
    await client.query('SET plan_cache_mode = force_generic_plan');
    await client.query(`PREPARE bench_rule AS ${q.sql}`);
    const execute = `EXECUTE bench_rule(${q.parameters.map(literal).join(', ')})`;
    await client.query(execute); // the first execution plans; the EXPLAIN below reuses that plan
    const { rows } = await client.query(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${execute}`);
    const node = String((trigger.healthevent as { nodename: string }).nodename);
    log(
      `EXPLAIN (ANALYZE, BUFFERS) ${rule.name}, generic plan (${q.sql.length} chars of SQL, ${q.parameters.length} parameters, node ${node}):`,
    );
    // The root's Buffers line is the statement's total; below it only the scans and their rows.
    rows.forEach((row, n) => {
      const line = String(row['QUERY PLAN']);
      const wanted =
        n <= 1
          ? /Buffers: shared/.test(line)
          : /Index Scan|Index Cond|Bitmap Heap|Seq Scan|Heap Blocks|Execution|Planning|Rows Removed/.test(line);
      if (wanted && !/never executed/.test(line)) log(`  ${line.length > 200 ? line.slice(0, 200) + '…' : line}`);
    });
  } catch (err) {
    log(`EXPLAIN ${rule.name} failed: ${(err as Error).message}`);
  } finally {
    client.release();
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
      if (argv.includes('--explain-only')) {
        for (const rule of rules) await explain(database.url, rule, triggers);
        return;
      }
      t = performance.now();
      const warm = await warmUp(datastore, rules, workers + 2);
      const one = await analyse(datastore, rules, triggers.slice(0, Math.min(100, triggers.length)), 1);
      const many = await analyse(datastore, rules, triggers, workers);
      const floorPerSecond = await floor(database.url, triggers, workers);
      const rows = report('postgresql', pgEvents, workers, one, many, warm, floorPerSecond);
      log(`(analysis runs took ${((performance.now() - t) / 1000).toFixed(1)} s)`);
      // The two rules with the most SQL time: where the next gain is.
      for (const row of rows.slice(0, 2))
        await explain(
          database.url,
          rules.find((r) => r.name === row.name)!,
          triggers,
        );
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
      // PGlite is one connection in this process: one warm-up lane is every connection.
      const warm = await warmUp(datastore, rules, 1);
      const one = await analyse(datastore, rules, triggers.slice(0, 50), 1);
      const many = await analyse(datastore, rules, triggers, workers);
      report('embedded', embeddedEvents, workers, one, many, warm);
    } finally {
      await datastore.close();
    }
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
