/**
 * Batch insert throughput through `insertHealthEvents` (500 events per call, one statement each)
 * beside the raw limit on the same server: a multi-row INSERT of the same documents into a bare
 * table (no trigger, no index but the key), and into health_events itself (same trigger and
 * indexes, so the difference is only our client-side work).
 */
import pg from 'pg';
import { toDocument, newHealthEventStatus } from '@nvsentinel/health-model';
import { createDataStore, toJsonValue, type DataStoreConfig, type NewHealthEvent } from '@nvsentinel/store-client';
import { benchEvent } from './events.js';

export interface BatchInsertResult {
  events: number;
  batchSize: number;
  storeRowsPerSecond: number;
  rawBareRowsPerSecond: number;
  rawSameTableRowsPerSecond: number;
}

export async function measureBatchInsert(
  config: DataStoreConfig,
  url: string,
  events: number,
  batchSize: number,
): Promise<BatchInsertResult> {
  const batches: NewHealthEvent[][] = [];
  for (let i = 0; i < events; i += batchSize) {
    batches.push(
      Array.from({ length: Math.min(batchSize, events - i) }, (_, j) =>
        benchEvent(`batch-node-${(i + j) % 1000}`, `event ${i + j}`),
      ),
    );
  }
  const ds = await createDataStore(config);
  let storeSeconds: number;
  try {
    await ds.healthEventStore().insertHealthEvents(...batches[0]!.slice(0, 10)); // warm the pool and plans
    const t0 = performance.now();
    for (const batch of batches) await ds.healthEventStore().insertHealthEvents(...batch);
    storeSeconds = (performance.now() - t0) / 1000;
  } finally {
    await ds.close();
  }

  // The same documents the store writes, prepared up front: the raw paths measure only the server.
  const rows = batches.map((batch) =>
    batch.map((event) => {
      const id = crypto.randomUUID();
      const document = toDocument({
        id,
        createdAt: new Date(),
        healthEvent: event.healthEvent,
        healthEventStatus: newHealthEventStatus(),
      });
      return [id, JSON.stringify(toJsonValue(document))] as const;
    }),
  );
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('CREATE TABLE IF NOT EXISTS bench_raw_docs (id uuid PRIMARY KEY, document jsonb NOT NULL)');
    const rawBare = await timedMultiRowInsert(client, 'bench_raw_docs', rows);
    const rawSame = await timedMultiRowInsert(
      client,
      'health_events',
      rows.map((batch) =>
        batch.map(([, doc]) => {
          const id = crypto.randomUUID();
          return [id, doc.replace(/"_id":"[^"]+"/, `"_id":"${id}"`)] as const;
        }),
      ),
    );
    return {
      events,
      batchSize,
      storeRowsPerSecond: events / storeSeconds,
      rawBareRowsPerSecond: events / rawBare,
      rawSameTableRowsPerSecond: events / rawSame,
    };
  } finally {
    await client.query('DROP TABLE IF EXISTS bench_raw_docs');
    await client.end();
  }
}

async function timedMultiRowInsert(
  client: pg.Client,
  table: string,
  batches: (readonly (readonly [string, string])[])[],
): Promise<number> {
  const t0 = performance.now();
  for (const batch of batches) {
    const values = batch.map((_, i) => `($${2 * i + 1}::uuid, $${2 * i + 2}::jsonb)`).join(',');
    await client.query(`INSERT INTO ${table} (id, document) VALUES ${values}`, batch.flat());
  }
  return (performance.now() - t0) / 1000;
}
