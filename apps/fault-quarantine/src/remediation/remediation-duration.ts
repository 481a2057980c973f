/**
 * `fault_quarantine_node_remediation_duration_seconds{action}` and its `…_excluding_drain_…`
 * twin: how long a node was out of service for a fault, observed when fault-quarantine releases
 * it. The clock starts when the node was quarantined (the quarantining event's
 * `quarantinefinishtimestamp`) and stops at the release; the second histogram leaves out the
 * time the drain took (`drainfinishtimestamp − quarantinefinishtimestamp`), i.e. it measures
 * remediation proper. `action` is the quarantining event's effective recommended action.
 *
 * Read from the datastore after the release, off the event's critical path: the quarantining
 * event holds both timestamps, and a release is rare enough that one indexed query is cheap.
 */
import { DocumentPaths, QuarantineStatus, effectiveRecommendedAction, type Timestamp } from '@nvsentinel/health-model';
import type { HealthEventStore } from '@nvsentinel/store-client';
import type { FaultQuarantineMetrics } from '../metrics.js';

export interface RemediationDuration {
  action: string;
  totalSeconds: number;
  /** Total minus the drain; the total when no drain finished. */
  excludingDrainSeconds: number;
}

const seconds = (t: Timestamp): number => Number(t.seconds) + t.nanos / 1e9;

/** The durations for a node released at `releasedAt`, or undefined when no quarantine start is recorded. */
export async function remediationDuration(
  store: HealthEventStore,
  nodeName: string,
  releasedAt: Date,
): Promise<RemediationDuration | undefined> {
  const quarantining = await store.findLatestHealthEventByFilter(
    { [DocumentPaths.nodeName]: nodeName, [DocumentPaths.nodeQuarantined]: QuarantineStatus.Quarantined },
    { sort: { [DocumentPaths.createdAt]: -1 } },
  );
  const status = quarantining?.healthEventStatus;
  if (!quarantining || !status?.quarantineFinishTimestamp) return undefined;
  const quarantinedAt = seconds(status.quarantineFinishTimestamp);
  const totalSeconds = releasedAt.getTime() / 1000 - quarantinedAt;
  if (totalSeconds < 0) return undefined;
  const drainSeconds = status.drainFinishTimestamp ? seconds(status.drainFinishTimestamp) - quarantinedAt : 0;
  return {
    action: effectiveRecommendedAction(quarantining.healthEvent),
    totalSeconds,
    excludingDrainSeconds:
      drainSeconds > 0 && drainSeconds <= totalSeconds ? totalSeconds - drainSeconds : totalSeconds,
  };
}

export async function observeRemediationDuration(
  store: HealthEventStore,
  metrics: FaultQuarantineMetrics,
  nodeName: string,
  releasedAt: Date,
): Promise<RemediationDuration | undefined> {
  const duration = await remediationDuration(store, nodeName, releasedAt);
  if (duration) {
    metrics.nodeRemediationDuration.observe({ action: duration.action }, duration.totalSeconds);
    metrics.nodeRemediationDurationExcludingDrain.observe({ action: duration.action }, duration.excludingDrainSeconds);
  }
  return duration;
}
