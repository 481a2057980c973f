/**
 * A real outage on a real server: the test database stops accepting connections while monitors
 * keep sending; the pool's connections reach their (short) lifetime and cannot be replaced.
 * (Terminating the backends instead would also work, but store-client's pool then raises an
 * uncaught 57P01 on a checked-out client — reported to its owner.) The service must refuse (never
 * acknowledge) what it cannot store, report not-ready, and after recovery every event that the
 * monitors resent is stored — zero acknowledged events lost.
 */
import { status as GrpcStatus } from '@grpc/grpc-js';
import { assertValidHealthEvents } from '@nvsentinel/health-model';
import { eventually } from '@nvsentinel/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventJson } from './testing/events.js';
import { startHarness, type Harness } from './testing/harness.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const waitFor = (what: string, condition: () => boolean | Promise<boolean>): Promise<true> =>
  eventually(async () => (await condition()) || undefined, what);

describe('datastore outage → backpressure → recovery', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      config: { writer: { probeIntervalMs: 100 } },
      datastoreOptions: { connectionLifetimeMs: 500, maxIdleConnections: 0, idleTimeoutMs: 200 },
    });
  });
  afterAll(async () => {
    await h?.database?.admin(`ALTER DATABASE "${h.database.database}" ALLOW_CONNECTIONS true`).catch(() => undefined);
    await h?.close();
  });

  it('refuses instead of losing events, then stores every resent event', async () => {
    const db = h.database!;
    const acknowledged = new Set<string>();
    const generated = new Set<string>();
    const refusals = { grpc: 0, http: 0, retryAfterSeen: false };
    let stop = false;

    // Monitors send until told to stop, resending a refused event until it is acknowledged, as
    // upstream's healthpub does; an event in progress is always finished.
    const monitor = async (id: number): Promise<void> => {
      for (let i = 0; !stop; i++) {
        const marker = `m${id}-e${i}`;
        generated.add(marker);
        const event = eventJson({ nodeName: 'outage-node', message: marker });
        for (;;) {
          if (id % 2 === 0) {
            const result = await h.grpc.sendEvents(assertValidHealthEvents({ events: [event] }));
            if (result.ok) break;
            expect(result.code).toBe(GrpcStatus.UNAVAILABLE);
            if (result.metadata?.get('retry-after').length) refusals.retryAfterSeen = true;
            refusals.grpc++;
          } else {
            const response = await h.post([event]);
            if (response.status === 200) break;
            expect(response.status).toBe(503);
            expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
            refusals.http++;
          }
          await sleep(20);
        }
        acknowledged.add(marker);
        await sleep(5);
      }
    };

    const monitors = Promise.all([0, 1, 2, 3].map(monitor));
    try {
      await waitFor('some events acknowledged', () => acknowledged.size >= 20);

      await db.admin(`ALTER DATABASE "${db.database}" ALLOW_CONNECTIONS false`);
      // Connections opened before keep working until their 500 ms lifetime ends; after that
      // no connection can be made and the outage is total.
      await sleep(1000);
      await waitFor('the service to notice the outage', () => h.connectors.writer.state === 'unavailable');
      expect((await h.connectors.readiness()).ok).toBe(false);
      await waitFor('refusals on both transports', () => refusals.grpc > 0 && refusals.http > 0);
      // Responses of inserts that committed just before may still be on their way.
      await sleep(200);
      const acknowledgedDuringOutage = acknowledged.size;
      await sleep(300);
      // Nothing is acknowledged while the datastore is down.
      expect(acknowledged.size).toBe(acknowledgedDuringOutage);
      expect(h.connectors.writer.state).toBe('unavailable');
      await db.admin(`ALTER DATABASE "${db.database}" ALLOW_CONNECTIONS true`);
      const beforeRecovery = acknowledged.size;
      await waitFor('acknowledgements after recovery', () => acknowledged.size >= beforeRecovery + 20);
    } finally {
      await db.admin(`ALTER DATABASE "${db.database}" ALLOW_CONNECTIONS true`);
      stop = true;
      await monitors;
    }
    expect((await h.connectors.readiness()).ok).toBe(true);
    expect(refusals.retryAfterSeen).toBe(true);

    const stored = await h.datastore.healthEventStore().findHealthEventsByNode('outage-node');
    const storedMarkers = new Set(stored.map((s) => s.healthEvent.message));
    expect(acknowledged.size).toBe(generated.size);
    for (const marker of acknowledged) expect(storedMarkers.has(marker)).toBe(true);
    const rejected = await h.connectors.metrics.batchesRejected.get();
    expect(rejected.values.find((v) => v.labels.reason === 'datastore_unavailable')?.value ?? 0).toBeGreaterThan(0);
  }, 60_000);
});
