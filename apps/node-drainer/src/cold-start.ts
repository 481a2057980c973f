/**
 * Cold start: drains that were running (or were due) when the previous process stopped are found
 * in the datastore and queued again. Pages of `batchSize` keep memory bounded however large the
 * backlog (upstream #912); only ids and a few fields per event stay in memory.
 */
import { DocumentPaths, EvictionStatus, QuarantineStatus } from '@nvsentinel/health-model';
import type { Filter, HealthEventStore } from '@nvsentinel/store-client';
import type { Tracker } from './drain/tracker.js';

export interface ColdStartOptions {
  batchSize: number;
  /** Only events created after this (upstream's resume-control cutoff). */
  createdAfter?: Date;
  /** Leave events this process already tracks alone (periodic resync: they have their own schedule). */
  skipTracked?: boolean;
}

export function coldStartFilter(createdAfter?: Date): Filter {
  const notStarted = { $in: ['', EvictionStatus.NotStarted, null] };
  const filter: Filter = {
    $or: [
      { [DocumentPaths.evictionStatus]: EvictionStatus.InProgress },
      { [DocumentPaths.nodeQuarantined]: QuarantineStatus.Quarantined, [DocumentPaths.evictionStatus]: notStarted },
      {
        [DocumentPaths.nodeQuarantined]: QuarantineStatus.AlreadyQuarantined,
        [DocumentPaths.evictionStatus]: notStarted,
      },
    ],
  };
  return createdAfter ? { $and: [filter, { [DocumentPaths.createdAt]: { $gt: createdAfter } }] } : filter;
}

/** Queues every in-flight drain; returns how many. Ended sessions are resolved by the drain itself (Cancelled). */
export async function resumeInFlightDrains(
  store: HealthEventStore,
  tracker: Tracker,
  enqueue: (id: string) => void,
  options: ColdStartOptions,
): Promise<number> {
  let count = 0;
  await store.findHealthEventsByQueryBatched(coldStartFilter(options.createdAfter), options.batchSize, (batch) => {
    for (const event of batch) {
      if (options.skipTracked && tracker.get(event.id)) continue;
      tracker.track(event.id, event.healthEvent.nodeName, event.createdAt);
      enqueue(event.id);
      count += 1;
    }
  });
  return count;
}
