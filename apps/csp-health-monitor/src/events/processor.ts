/**
 * The processor between normalisers and the store (upstream pkg/event/processor.go): fills the
 * cluster name, lets ONGOING and COMPLETE events inherit what the CSP omits from the earlier
 * event of the same node, merges with the stored event of the same id and upserts by eventId.
 *
 * Events are processed one by one in the order given (oldest first): a datastore error stops
 * the batch and is rethrown, so everything stored is a prefix of the poll, and the newest
 * stored `eventReceivedTimestamp` stays a safe restart point.
 */
import { MaintenanceStatus, type MaintenanceEvent } from '@nvsentinel/health-model';
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
}

export interface ProcessResult {
  stored: number;
  unchanged: number;
}

export async function processEvents(deps: ProcessorDeps, events: readonly MaintenanceEvent[]): Promise<ProcessResult> {
  const result: ProcessResult = { stored: 0, unchanged: 0 };
  for (const event of events) {
    const csp = event.csp;
    deps.metrics.eventsReceived.inc({ csp });
    const stopTimer = deps.metrics.eventProcessingDuration.startTimer({ csp });
    try {
      const prepared = await inherit(deps, { ...event, clusterName: deps.clusterName, status: event.status || MaintenanceStatus.DETECTED });
      const existing = await deps.store.findMaintenanceEventById(prepared.eventId);
      const merged = existing ? mergeWithStored(existing, prepared) : prepared;
      if (existing && isUnchanged(existing, merged)) {
        result.unchanged += 1;
      } else {
        deps.metrics.upsertAttempts.inc({ csp });
        await deps.store.upsertMaintenanceEvent({ ...merged, lastUpdatedTimestamp: deps.now() });
        deps.metrics.upserts.inc({ csp, status: 'success' });
        result.stored += 1;
      }
      deps.metrics.eventsProcessedSuccess.inc({ csp });
    } catch (err) {
      deps.metrics.upserts.inc({ csp, status: 'failure' });
      deps.metrics.processingErrors.inc({ csp, error_type: (err as { code?: string }).code ?? 'unknown' });
      deps.logger.warn({ err, eventId: event.eventId, node: event.nodeName }, 'storing maintenance event failed; the poll is retried');
      throw err;
    } finally {
      stopTimer();
    }
  }
  return result;
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
