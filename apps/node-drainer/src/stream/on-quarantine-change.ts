/**
 * What the stream consumer does with each quarantine status change, before any draining:
 * upstream's "pre-enqueue" step. It is quick (one conditional write at most), so the stream's
 * checkpoint moves on while drains that take minutes run in the work queue.
 */
import {
  DocumentPaths,
  EvictionStatus,
  QuarantineStatus,
  fromDocument,
  type HealthEventWithStatus,
} from '@nvsentinel/health-model';
import type { Logger } from '@nvsentinel/service-kit';
import type { ChangeEvent, HealthEventStore } from '@nvsentinel/store-client';
import { isTerminalEvictionStatus, TERMINAL_EVICTION_STATUSES } from '../drain/decide.js';
import type { Tracker } from '../drain/tracker.js';
import type { DrainerMetrics } from '../metrics.js';

export interface QuarantineChangeDeps {
  store: HealthEventStore;
  tracker: Tracker;
  metrics: DrainerMetrics;
  logger: Logger;
  /** Queue the event for a drain attempt now. */
  enqueue(id: string): void;
}

export async function onQuarantineChange(deps: QuarantineChangeDeps, change: ChangeEvent): Promise<void> {
  deps.metrics.eventsReceived.inc();
  if (!change.fullDocument) return; // deleted since; nothing to drain
  let event: HealthEventWithStatus;
  try {
    event = fromDocument(change.fullDocument);
  } catch (err) {
    // Redelivering an undecodable document would fail the same way forever.
    deps.logger.error({ err, eventId: change.documentKey._id }, 'skipping an undecodable health event');
    return;
  }
  const status = event.healthEventStatus;
  if (isTerminalEvictionStatus(status.userPodsEvictionStatus.status)) return;
  const node = event.healthEvent.nodeName;

  if (
    status.nodeQuarantined === QuarantineStatus.Cancelled ||
    status.nodeQuarantined === QuarantineStatus.UnQuarantined
  ) {
    // Wake every drain this ends now rather than at its next poll; each re-reads its event and
    // stops durably (Cancelled on the document, or an UnQuarantined event after it).
    const cutoff = status.nodeQuarantined === QuarantineStatus.UnQuarantined ? event.createdAt : undefined;
    for (const tracked of deps.tracker.onNode(node, cutoff)) deps.enqueue(tracked.id);
    deps.tracker.track(event.id, node, event.createdAt);
    deps.enqueue(event.id);
    return;
  }
  if (
    status.nodeQuarantined !== QuarantineStatus.Quarantined &&
    status.nodeQuarantined !== QuarantineStatus.AlreadyQuarantined
  )
    return;

  // Conditional, so a redelivered change neither rewinds a finished drain nor writes twice.
  await deps.store.updateHealthEventsByFilter(
    {
      [DocumentPaths.id]: event.id,
      [DocumentPaths.evictionStatus]: { $nin: [EvictionStatus.InProgress, ...TERMINAL_EVICTION_STATUSES] },
    },
    { [DocumentPaths.evictionStatus]: EvictionStatus.InProgress },
  );
  deps.tracker.track(event.id, node, event.createdAt);
  deps.enqueue(event.id);
}
