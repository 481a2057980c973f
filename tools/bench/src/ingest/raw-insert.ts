/** The datastore's own limit in the same run: multi-row inserts straight into the store, no service. */
import { createDataStore, type DataStoreConfig } from '@nvsentinel/store-client';
import { benchEvent } from './load.js';

export interface RawInsertResult {
  events: number;
  seconds: number;
  eventsPerSecond: number;
}

export async function measureRawInsert(
  config: DataStoreConfig,
  batchSize: number,
  inFlight: number,
  seconds: number,
): Promise<RawInsertResult> {
  const store = await createDataStore(config);
  try {
    const events = store.healthEventStore();
    const batch = Array.from({ length: batchSize }, (_, i) => ({ healthEvent: benchEvent(i) }));
    let stored = 0;
    const started = performance.now();
    const until = started + seconds * 1000;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (performance.now() < until) {
          await events.insertHealthEvents(...batch);
          stored += batch.length;
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    return { events: stored, seconds: elapsed, eventsPerSecond: stored / elapsed };
  } finally {
    await store.close();
  }
}
