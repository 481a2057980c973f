import { assertValidHealthEvents } from '@nvsentinel/health-model';
import { describe, expect, it } from 'vitest';
import { eventJson } from './testing/events.js';
import { startHarness } from './testing/harness.js';

describe('graceful stop', () => {
  it('finishes accepted batches before closing: every acknowledged event is stored', async () => {
    const h = await startHarness();
    const markers = Array.from({ length: 40 }, (_, i) => `s${i}`);
    const calls = markers.map((m, i) =>
      i % 2 === 0
        ? h.grpc
            .sendEvents(assertValidHealthEvents({ events: [eventJson({ nodeName: 'stopping', message: m })] }))
            .then((r) => r.ok)
        : h.post([eventJson({ nodeName: 'stopping', message: m })]).then(
            (r) => r.status === 200,
            () => false,
          ),
    );
    // Stop once some calls have reached the service and others are still on their way.
    const received = async (): Promise<number> =>
      (await h.connectors.metrics.eventsReceived.get()).values[0]?.value ?? 0;
    while ((await received()) < 5) await new Promise((resolve) => setTimeout(resolve, 1));
    const stopped = h.connectors.stop();
    const outcomes = await Promise.all(calls);
    await stopped;
    const stored = new Set(
      (await h.datastore.healthEventStore().findHealthEventsByNode('stopping')).map((e) => e.healthEvent.message),
    );
    markers.forEach((m, i) => {
      if (outcomes[i]) expect(stored.has(m)).toBe(true);
    });
    expect(outcomes.some(Boolean)).toBe(true);
    await h.close();
  });
});
