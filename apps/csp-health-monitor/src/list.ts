/** `nvsentinel maintenance list`: every stored maintenance event, soonest scheduled first. */
import { maintenanceEventFromDocument, type MaintenanceEvent } from '@nvsentinel/health-model';
import type { DataStore } from '@nvsentinel/store-client';

export interface ListMaintenanceEventsOptions {
  /** Only events of this node. */
  nodeName?: string;
  /** Only events with one of these statuses. */
  statuses?: string[];
}

export async function listMaintenanceEvents(
  datastore: DataStore,
  options: ListMaintenanceEventsOptions = {},
): Promise<MaintenanceEvent[]> {
  const match: Record<string, unknown> = {};
  if (options.nodeName) match.nodeName = options.nodeName;
  if (options.statuses?.length) match.status = { $in: options.statuses };
  const docs = await datastore
    .maintenanceEventStore()
    .aggregate([{ $match: match }, { $sort: { scheduledStartTime: 1, eventId: 1 } }]);
  return docs.map((doc) => maintenanceEventFromDocument(doc));
}
