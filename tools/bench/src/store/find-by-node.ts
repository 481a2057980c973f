/**
 * `findHealthEventsByNode` on a large table: N events over N/100 nodes generated server-side
 * (INSERT … SELECT generate_series, nothing crosses the network), then random nodes looked up
 * through the store (query + decode of ~100 documents) beside the raw indexed SELECT of the same
 * rows on a plain pg connection.
 */
import pg from 'pg';
import { createDataStore, type DataStoreConfig } from '@nvsentinel/store-client';
import { summarize, type LatencySummary } from './stats.js';

export interface FindByNodeResult {
  events: number;
  nodes: number;
  generateSeconds: number;
  store: LatencySummary;
  storeByFilter: LatencySummary;
  raw: LatencySummary;
}

const GENERATE_CHUNK = 100_000;

export async function measureFindByNode(
  config: DataStoreConfig,
  url: string,
  events: number,
  lookups: number,
  log: (line: string) => void,
): Promise<FindByNodeResult> {
  const nodes = Math.max(1, Math.floor(events / 100));
  const ds = await createDataStore(config); // creates the schema
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const t0 = performance.now();
    // The changelog is not what this measures; leave it out of the bulk load.
    await client.query('ALTER TABLE health_events DISABLE TRIGGER USER');
    for (let from = 1; from <= events; from += GENERATE_CHUNK) {
      const to = Math.min(events, from + GENERATE_CHUNK - 1);
      await client.query(GENERATE_SQL, [from, to, nodes]);
      log(`  generated ${to.toLocaleString('en-US')} / ${events.toLocaleString('en-US')} events`);
    }
    await client.query('ALTER TABLE health_events ENABLE TRIGGER USER');
    await client.query('VACUUM ANALYZE health_events');
    const generateSeconds = (performance.now() - t0) / 1000;

    const pick = () => `gen-node-${Math.floor(Math.random() * nodes)}`;
    const store = ds.healthEventStore();
    for (let i = 0; i < 20; i++) await store.findHealthEventsByNode(pick()); // warm-up
    const storeTimes: number[] = [];
    const filterTimes: number[] = [];
    const rawTimes: number[] = [];
    for (let i = 0; i < lookups; i++) {
      const node = pick();
      let t = performance.now();
      const found = await store.findHealthEventsByNode(node);
      storeTimes.push(performance.now() - t);
      if (found.length === 0) throw new Error(`no events found for ${node}: generation failed`);
      t = performance.now();
      await store.findHealthEventsByFilter({ 'healthevent.nodename': node });
      filterTimes.push(performance.now() - t);
      t = performance.now();
      await client.query('SELECT document FROM health_events WHERE node_name = $1', [node]);
      rawTimes.push(performance.now() - t);
    }
    return {
      events,
      nodes,
      generateSeconds,
      store: summarize(storeTimes),
      storeByFilter: summarize(filterTimes),
      raw: summarize(rawTimes),
    };
  } finally {
    await client.end();
    await ds.close();
  }
}

/** Canonical documents ($1..$2 = event numbers, $3 = node count), complete enough to decode. */
const GENERATE_SQL = String.raw`
INSERT INTO health_events (id, document)
SELECT id, jsonb_build_object(
  '_id', id::text,
  'createdAt', jsonb_build_object('$date', to_char((timestamptz '2026-01-01' + g * interval '1 second') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')),
  'healthevent', jsonb_build_object(
    'version', 1, 'agent', 'gpu-health-monitor', 'componentclass', 'GPU',
    'checkname', CASE WHEN g % 3 = 0 THEN 'GpuXidError' ELSE 'GpuMemWatch' END,
    'isfatal', g % 2 = 0, 'ishealthy', false, 'message', 'XID ' || (g % 100),
    'recommendedaction', 24, 'errorcode', jsonb_build_array((g % 100)::text),
    'entitiesimpacted', jsonb_build_array(jsonb_build_object('entitytype', 'GPU', 'entityvalue', (g % 8)::text)),
    'metadata', jsonb_build_object('providerID', 'aws:///i-' || (g % $3::int)),
    'generatedtimestamp', jsonb_build_object('seconds', 1767225600 + g, 'nanos', 0),
    'nodename', 'gen-node-' || (g % $3::int),
    'quarantineoverrides', NULL, 'drainoverrides', NULL,
    'processingstrategy', 1, 'id', '', 'customrecommendedaction', ''),
  'healtheventstatus', jsonb_build_object(
    'nodequarantined', '', 'quarantinefinishtimestamp', NULL,
    'userpodsevictionstatus', jsonb_build_object('status', '', 'message', ''),
    'drainfinishtimestamp', NULL, 'faultremediated', NULL, 'lastremediationtimestamp', NULL,
    'spanids', '{}'::jsonb))
FROM (SELECT gen_random_uuid() AS id, g FROM generate_series($1::int, $2::int) AS g) AS s`;
