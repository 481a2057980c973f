/**
 * The processor between normalisers and the store (upstream pkg/event/processor.go): fills the
 * cluster name, lets ONGOING and COMPLETE events inherit what the CSP omits from the earlier
 * event of the same node, merges with the stored event of the same id and upserts by eventId.
 *
 * Events arrive oldest first; a datastore error stops the batch and is rethrown (see processEvents).
 */
import {
  MaintenanceDocumentPaths,
  MaintenanceStatus,
  maintenanceEventFromDocument,
  type MaintenanceEvent,
} from '@nvsentinel/health-model';
import type { Logger } from '@nvsentinel/service-kit';
import type { MaintenanceEventStore } from '@nvsentinel/store-client';
import type { MonitorMetrics } from '../metrics.js';
import { isUnchanged, mergeWithStored } from './status-merge.js';

export interface ProcessorDeps {
  store: MaintenanceEventStore;
  clusterName: string;
  metrics: MonitorMetrics;
  logger: Logger;
  now: () => Date;
  /** Events written at once within a group (1 when the datastore has a single connection). */
  concurrency?: number;
}

export interface ProcessResult {
  stored: number;
  unchanged: number;
}

/** Stored events are looked up this many at a time (one query instead of one per event). */
const LOOKUP_CHUNK = 500;

/**
 * Events with the same `eventReceivedTimestamp` form a group (AWS: every instance of one event);
 * groups are written strictly in time order, the events of a group concurrently. A failure stops
 * after the current chunk, so every group older than the failed one is complete and the restart
 * point (newest stored timestamp, read inclusively) re-reads the failed group.
 */
export async function processEvents(deps: ProcessorDeps, events: readonly MaintenanceEvent[]): Promise<ProcessResult> {
  const result: ProcessResult = { stored: 0, unchanged: 0 };
  const concurrency = Math.max(1, deps.concurrency ?? 1);
  for (const group of groupsByTime(events)) {
    for (let i = 0; i < group.length; i += LOOKUP_CHUNK) {
      const chunk = group.slice(i, i + LOOKUP_CHUNK);
      const existing = await storedById(
        deps.store,
        chunk.map((e) => e.eventId),
      );
      let next = 0;
      let failure: unknown;
      const lane = async (): Promise<void> => {
        while (next < chunk.length && failure === undefined) {
          const event = chunk[next++]!;
          try {
            const outcome = await processOne(deps, event, existing.get(event.eventId) ?? null);
            result[outcome] += 1;
          } catch (err) {
            failure ??= err;
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, chunk.length) }, lane));
      if (failure !== undefined) throw failure;
    }
  }
  return result;
}

async function processOne(
  deps: ProcessorDeps,
  event: MaintenanceEvent,
  existing: MaintenanceEvent | null,
): Promise<'stored' | 'unchanged'> {
  const csp = event.csp;
  deps.metrics.eventsReceived.inc({ csp });
  const stopTimer = deps.metrics.eventProcessingDuration.startTimer({ csp });
  try {
    const prepared = await inherit(deps, {
      ...event,
      clusterName: deps.clusterName,
      status: event.status || MaintenanceStatus.DETECTED,
    });
    const merged = existing ? mergeWithStored(existing, prepared) : prepared;
    let outcome: 'stored' | 'unchanged' = 'unchanged';
    if (!existing || !isUnchanged(existing, merged)) {
      deps.metrics.upsertAttempts.inc({ csp });
      await deps.store.upsertMaintenanceEvent({ ...merged, lastUpdatedTimestamp: deps.now() });
      deps.metrics.upserts.inc({ csp, status: 'success' });
      outcome = 'stored';
    }
    deps.metrics.eventsProcessedSuccess.inc({ csp });
    return outcome;
  } catch (err) {
    deps.metrics.upserts.inc({ csp, status: 'failure' });
    deps.metrics.processingErrors.inc({ csp, error_type: (err as { code?: string }).code ?? 'unknown' });
    deps.logger.warn(
      { err, eventId: event.eventId, node: event.nodeName },
      'storing maintenance event failed; the poll is retried',
    );
    throw err;
  } finally {
    stopTimer();
  }
}

function* groupsByTime(events: readonly MaintenanceEvent[]): Generator<MaintenanceEvent[]> {
  let group: MaintenanceEvent[] = [];
  for (const event of events) {
    if (group.length > 0 && group[0]!.eventReceivedTimestamp.getTime() !== event.eventReceivedTimestamp.getTime()) {
      yield group;
      group = [];
    }
    group.push(event);
  }
  if (group.length > 0) yield group;
}

async function storedById(store: MaintenanceEventStore, ids: string[]): Promise<Map<string, MaintenanceEvent>> {
  const docs = await store.aggregate([{ $match: { [MaintenanceDocumentPaths.eventId]: { $in: ids } } }]);
  return new Map(
    docs.map((doc) => {
      const event = maintenanceEventFromDocument(doc);
      return [event.eventId, event];
    }),
  );
}
/** Upstream's inheritance: fields the CSP leaves out of a later-phase event come from the earlier one. */
async function inherit(deps: ProcessorDeps, event: MaintenanceEvent): Promise<MaintenanceEvent> {
  if (event.nodeName === '') return event;
  let source: MaintenanceEvent | null = null;
  if (event.status === MaintenanceStatus.MAINTENANCE_ONGOING && event.maintenanceType !== '') {
    source = await deps.store.findLatestActiveEventByNodeAndType(event.nodeName, event.maintenanceType, [
      MaintenanceStatus.DETECTED,
      MaintenanceStatus.QUARANTINE_TRIGGERED,
    ]);
  } else if (event.status === MaintenanceStatus.MAINTENANCE_COMPLETE) {
    source = await deps.store.findLatestOngoingEventByNode(event.nodeName);
  }
  if (source === null || source.eventId === event.eventId) return event;
  return {
    ...event,
    maintenanceType: event.maintenanceType || source.maintenanceType,
    resourceType: event.resourceType || source.resourceType,
    resourceId: event.resourceId || source.resourceId,
    scheduledStartTime: event.scheduledStartTime ?? source.scheduledStartTime,
    scheduledEndTime: event.scheduledEndTime ?? source.scheduledEndTime,
    actualStartTime: event.actualStartTime ?? source.actualStartTime,
  };
}
