/**
 * Change-detection latency: a writer inserts health events at a fixed rate; a consumer watches
 * with a server-side `$match` (as fault-quarantine does) and records, per event, the time from
 * just before the insert was sent to its delivery by the change stream. Beside it, in the same
 * run, the raw limit: a pg_notify sent at the same rate to a LISTENing connection.
 */
import pg from 'pg';
import { createDataStore, type DataStoreConfig } from '@nvsentinel/store-client';
import { benchEvent } from './events.js';
import { sleep, sleepUntil, summarize, type LatencySummary } from './stats.js';

export interface ChangeLatencyResult {
  rate: number;
  events: number;
  /** send → delivery through the change stream. */
  stream: LatencySummary;
  /** the insert's own round trip (send → commit acknowledged), part of the figure above. */
  insertRoundTrip: LatencySummary;
  /**
   * commit acknowledged → delivery: the stream's own share (can be slightly negative when the
   * delivery is processed before the insert's acknowledgement).
   */
  afterCommit: LatencySummary;
  /** inserts per second the server actually absorbed (below `rate` when it cannot keep up). */
  achievedRate: number;
}

export async function measureChangeLatency(
  config: DataStoreConfig,
  rate: number,
  durationMs: number,
): Promise<ChangeLatencyResult> {
  const total = Math.round((rate * durationMs) / 1000);
  const nodeName = `bench-node-${rate}-${Date.now()}`;
  const consumer = await createDataStore(config);
  const writer = config.provider === 'embedded' ? consumer : await createDataStore(config);
  const stream = consumer.healthEventStore().watch({
    clientName: `bench-latency-${rate}-${Date.now()}`,
    pipeline: [{ $match: { operationType: 'insert', 'fullDocument.healthevent.nodename': nodeName } }],
    startAt: 'now',
  });
  const latencies: number[] = [];
  const roundTrips: number[] = [];
  let achievedRate: number;
  const deliveredAt = new Map<string, number>();
  const acknowledgedAt = new Map<string, number>();
  try {
    const received = (async () => {
      for await (const event of stream) {
        const message = (event.fullDocument?.healthevent as { message?: string } | undefined)?.message ?? '';
        const now = performance.now();
        latencies.push(now - Number(message));
        deliveredAt.set(message, now);
        if (latencies.length >= total) break;
      }
    })();
    await sleep(500); // the stream is listening and positioned before the first insert
    const start = performance.now() + 10;
    const inserts: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      await sleepUntil(start + (i * 1000) / rate);
      const sent = performance.now();
      inserts.push(
        writer
          .healthEventStore()
          .insertHealthEvents(benchEvent(nodeName, String(sent)))
          .then(() => {
            const now = performance.now();
            roundTrips.push(now - sent);
            acknowledgedAt.set(String(sent), now);
          }),
      );
    }
    await Promise.all(inserts);
    achievedRate = total / ((performance.now() - start) / 1000);
    await Promise.race([received, sleep(30_000)]);
  } finally {
    await stream.close();
    if (writer !== consumer) await writer.close();
    await consumer.close();
  }
  const afterCommit = [...deliveredAt].flatMap(([message, at]) => {
    const ack = acknowledgedAt.get(message);
    return ack === undefined ? [] : [at - ack];
  });
  return {
    rate,
    events: latencies.length,
    stream: summarize(latencies),
    insertRoundTrip: summarize(roundTrips),
    afterCommit: summarize(afterCommit),
    achievedRate,
  };
}

/** The raw limit: NOTIFY from one connection to a LISTEN on another, at the same rate. */
export async function measureRawNotify(url: string, rate: number, durationMs: number): Promise<LatencySummary> {
  const total = Math.round((rate * durationMs) / 1000);
  const listener = new pg.Client({ connectionString: url });
  const sender = new pg.Pool({ connectionString: url, max: 8 });
  await listener.connect();
  const latencies: number[] = [];
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });
  listener.on('notification', (message) => {
    latencies.push(performance.now() - Number(message.payload));
    if (latencies.length >= total) resolveDone();
  });
  try {
    await listener.query('LISTEN nvs_bench_raw');
    const start = performance.now() + 10;
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < total; i++) {
      await sleepUntil(start + (i * 1000) / rate);
      sends.push(sender.query('SELECT pg_notify($1, $2)', ['nvs_bench_raw', String(performance.now())]));
    }
    await Promise.all(sends);
    await Promise.race([done, sleep(30_000)]);
  } finally {
    await listener.end();
    await sender.end();
  }
  return summarize(latencies);
}
