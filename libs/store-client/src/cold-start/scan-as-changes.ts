/**
 * A consumer's cold-start scan as change events: stored health events that match `filter`, in
 * insertion order, shaped like the inserts a change stream delivers, so the consumer's one
 * handler serves both. Paged (`batchSize` at a time, the next page read only when this one is
 * consumed), so a large backlog never sits in memory at once (upstream #912).
 *
 * The events carry no resume token (''): they are not positions in a stream and must not be
 * checkpointed. service-kit's `runConsumer({ coldStart })` handles them before the stream.
 */
import { toDocument } from '@nvsentinel/health-model';
import type { ChangeEvent, Filter, HealthEventStore } from '../interfaces.js';

export async function* scanAsChanges(
  store: HealthEventStore,
  filter: Filter,
  batchSize = 500,
): AsyncGenerator<ChangeEvent> {
  // The store pushes pages through a callback; turn that into a pull without reading ahead more
  // than one page.
  let wake: (() => void) | undefined;
  let page: ChangeEvent[] | undefined;
  let finished = false;
  let failure: unknown;
  let consumed: (() => void) | undefined;
  let abandoned = false;
  const scan = store
    .findHealthEventsByQueryBatched(filter, batchSize, (batch) => {
      if (abandoned) throw new Error('cold-start scan abandoned');
      page = batch.map((event) => ({
        resumeToken: '',
        operationType: 'insert' as const,
        documentKey: { _id: event.id },
        fullDocument: toDocument(event) as unknown as ChangeEvent['fullDocument'],
        clusterTime: event.createdAt,
      }));
      wake?.();
      return new Promise<void>((resolve) => (consumed = resolve));
    })
    .then(
      () => void (finished = true),
      (err: unknown) => {
        failure = err ?? new Error('cold-start scan failed');
        finished = true;
      },
    )
    .finally(() => wake?.());
  try {
    for (;;) {
      if (!page && !finished) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      if (page) {
        const current = page;
        page = undefined;
        yield* current;
        const next = consumed;
        consumed = undefined;
        next?.();
        continue;
      }
      if (failure !== undefined) throw failure;
      if (finished) return;
    }
  } finally {
    // Abandoned early (consumer stopping): the store's next page callback throws, ending its scan.
    abandoned = true;
    consumed?.();
    await scan.catch(() => undefined);
  }
}
