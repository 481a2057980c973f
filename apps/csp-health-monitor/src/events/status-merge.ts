/**
 * How a freshly normalised event combines with the stored one of the same `eventId`.
 *
 * The CSP re-reports an event on every poll (AWS: for days while it is `upcoming`), but the
 * stored status is also written by the notifier (QUARANTINE_TRIGGERED, HEALTHY_TRIGGERED,
 * NODE_READINESS_TIMEOUT). A plain replace, as upstream does, would put a quarantined event back
 * to DETECTED and make the notifier trigger it again. So the status only moves forward along
 * the maintenance lifecycle; times first observed (actual start/end) are kept.
 */
import { MaintenanceStatus, type MaintenanceEvent } from '@nvsentinel/health-model';

const RANK: Record<MaintenanceStatus, number> = {
  [MaintenanceStatus.ERROR]: -1,
  [MaintenanceStatus.DETECTED]: 0,
  [MaintenanceStatus.QUARANTINE_TRIGGERED]: 1,
  [MaintenanceStatus.MAINTENANCE_ONGOING]: 2,
  [MaintenanceStatus.MAINTENANCE_COMPLETE]: 3,
  [MaintenanceStatus.HEALTHY_TRIGGERED]: 4,
  [MaintenanceStatus.NODE_READINESS_TIMEOUT]: 4,
  [MaintenanceStatus.CANCELLED]: 4,
};

/** The status to store when `incoming` is observed for an event stored with `existing`. */
export function mergedStatus(existing: MaintenanceStatus, incoming: MaintenanceStatus): MaintenanceStatus {
  if (existing === MaintenanceStatus.ERROR) return incoming; // the CSP knows the event again
  if (incoming === MaintenanceStatus.CANCELLED) {
    // A cancellation ends any unfinished maintenance; a finished one stays finished.
    return RANK[existing] >= 4 ? existing : incoming;
  }
  return RANK[incoming] > RANK[existing] ? incoming : existing;
}

/** `incoming` merged over `existing` (same eventId). */
export function mergeWithStored(existing: MaintenanceEvent, incoming: MaintenanceEvent): MaintenanceEvent {
  const status = mergedStatus(existing.status, incoming.status);
  return {
    ...incoming,
    status,
    nodeName: incoming.nodeName || existing.nodeName,
    scheduledStartTime: incoming.scheduledStartTime ?? existing.scheduledStartTime,
    scheduledEndTime: incoming.scheduledEndTime ?? existing.scheduledEndTime,
    actualStartTime: existing.actualStartTime ?? incoming.actualStartTime,
    actualEndTime: existing.actualEndTime ?? incoming.actualEndTime,
  };
}

/** True when storing `merged` would change nothing the notifier or an operator reads. */
export function isUnchanged(existing: MaintenanceEvent, merged: MaintenanceEvent): boolean {
  const time = (d: Date | null) => (d === null ? null : d.getTime());
  return (
    existing.status === merged.status &&
    existing.cspStatus === merged.cspStatus &&
    existing.nodeName === merged.nodeName &&
    existing.recommendedAction === merged.recommendedAction &&
    time(existing.scheduledStartTime) === time(merged.scheduledStartTime) &&
    time(existing.scheduledEndTime) === time(merged.scheduledEndTime) &&
    time(existing.actualStartTime) === time(merged.actualStartTime) &&
    time(existing.actualEndTime) === time(merged.actualEndTime) &&
    existing.eventReceivedTimestamp.getTime() >= merged.eventReceivedTimestamp.getTime() &&
    JSON.stringify(existing.metadata) === JSON.stringify(merged.metadata)
  );
}
