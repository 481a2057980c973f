/**
 * Closed-loop load: `concurrency` callers each send a batch, wait for the acknowledgement, send
 * the next, for `seconds`. Every acknowledgement means "durably stored", so events/s here is the
 * sustained stored rate, and the call latency is the acknowledge latency monitors see.
 */
import { healthEventsToProto, sampleHealthEvent, type HealthEvent } from '@nvsentinel/health-model';
import { encodeHealthEvents, type IngestClient } from './grpc-client.js';
import { summarize, type LatencySummary } from '../store/stats.js';

export function benchEvent(i: number): HealthEvent {
  const pci = `0000:${(i % 256).toString(16).padStart(2, '0')}:00.0`;
  // syslog-shaped, one in ten fatal, spread over 1,000 nodes and 8 GPUs
  return sampleHealthEvent({
    nodeName: `gpu-node-${i % 1000}`,
    agent: 'syslog-health-monitor',
    checkName: 'SysLogsXIDError',
    isFatal: i % 10 === 0,
    message: `NVRM: Xid (PCI:${pci}): 79, GPU has fallen off the bus.`,
    entitiesImpacted: [
      { entityType: 'GPU', entityValue: String(i % 8) },
      { entityType: 'PCI', entityValue: pci },
    ],
    generatedTimestamp: { seconds: 1_795_000_000 + i, nanos: 0 },
  });
}

/** A few distinct encoded messages per batch size, reused (the service decodes every call). */
function messagesFor(batchSize: number, variants = 16): Buffer[] {
  return Array.from({ length: variants }, (_, v) =>
    encodeHealthEvents(healthEventsToProto(Array.from({ length: batchSize }, (_, i) => benchEvent(v * batchSize + i)))),
  );
}

export interface LoadResult {
  events: number;
  calls: number;
  failures: number;
  seconds: number;
  eventsPerSecond: number;
  latency: LatencySummary;
}

/** Raw outcome of one load generator (latencies kept so several generators can be merged). */
export interface LoadSamples {
  events: number;
  failures: number;
  seconds: number;
  latenciesMs: number[];
}

export function mergeSamples(parts: readonly LoadSamples[]): LoadResult {
  const latencies = parts.flatMap((p) => p.latenciesMs);
  const events = parts.reduce((n, p) => n + p.events, 0);
  const seconds = Math.max(...parts.map((p) => p.seconds));
  return {
    events,
    calls: latencies.length,
    failures: parts.reduce((n, p) => n + p.failures, 0),
    seconds,
    eventsPerSecond: events / seconds,
    latency: summarize(latencies),
  };
}

export async function runLoadSamples(
  clients: IngestClient[],
  batchSize: number,
  concurrency: number,
  seconds: number,
): Promise<LoadSamples> {
  const messages = messagesFor(batchSize);
  const latencies: number[] = [];
  let events = 0;
  let failures = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  const caller = async (index: number): Promise<void> => {
    const client = clients[index % clients.length]!;
    let n = index;
    while (performance.now() < until) {
      const message = messages[n++ % messages.length]!;
      const t0 = performance.now();
      const err = await client.send(message);
      const t1 = performance.now();
      if (err) {
        failures++;
        continue;
      }
      latencies.push(t1 - t0);
      events += batchSize;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, i) => caller(i)));
  return { events, failures, seconds: (performance.now() - started) / 1000, latenciesMs: latencies };
}
