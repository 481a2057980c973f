/**
 * Cold start: events a previous process (or none) left unresolved — remediation-ready ones and
 * un-quarantined/cancelled ones with no `faultremediated` yet — found in the datastore in pages
 * of `batchSize`. Only ids, nodes and times stay in memory; they are returned oldest first so
 * each node's events are handled in the order they happened.
 */
import { DocumentPaths, EvictionStatus, QuarantineStatus } from '@nvsentinel/health-model';
import type { Filter, HealthEventStore } from '@nvsentinel/store-client';

export interface ColdStartEntry {
  id: string;
  node: string;
  createdAt: Date;
}

export function coldStartFilter(createdAfter?: Date): Filter {
  const unresolved = { [DocumentPaths.faultRemediated]: null };
  const filter: Filter = {
    $or: [
      {
        [DocumentPaths.nodeQuarantined]: { $in: [QuarantineStatus.Quarantined, QuarantineStatus.AlreadyQuarantined] },
        [DocumentPaths.evictionStatus]: { $in: [EvictionStatus.Succeeded, EvictionStatus.AlreadyDrained] },
        ...unresolved,
      },
      {
        [DocumentPaths.nodeQuarantined]: { $in: [QuarantineStatus.UnQuarantined, QuarantineStatus.Cancelled] },
        ...unresolved,
      },
    ],
  };
  return createdAfter ? { $and: [filter, { [DocumentPaths.createdAt]: { $gt: createdAfter } }] } : filter;
}

export async function findUnresolvedEvents(
  store: HealthEventStore,
  options: { batchSize: number; createdAfter?: Date },
): Promise<ColdStartEntry[]> {
  const found: ColdStartEntry[] = [];
  await store.findHealthEventsByQueryBatched(coldStartFilter(options.createdAfter), options.batchSize, (batch) => {
    for (const event of batch)
      found.push({ id: event.id, node: event.healthEvent.nodeName, createdAt: event.createdAt });
  });
  return found.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
}
