import type { V1Pod } from '@kubernetes/client-node';
import type { DrainTiming } from './drain-context.js';

/**
 * When to look again at evicted pods that are still terminating: around the earliest deletion
 * deadline (deletionTimestamp is the request time plus the grace period), clamped to
 * [verifyInterval, pollInterval]. A 60 s grace then costs a handful of pod lists, not one per
 * verify tick; a kubelet that is late gets checked at the verify pace.
 */
export function untilDeletionDue(
  pods: readonly V1Pod[],
  now: Date,
  timing: Pick<DrainTiming, 'verifyIntervalMs' | 'pollIntervalMs'>,
): number {
  const due = Math.min(...pods.map((p) => new Date(p.metadata?.deletionTimestamp ?? now).getTime()));
  return Math.min(timing.pollIntervalMs, Math.max(timing.verifyIntervalMs, due - now.getTime()));
}
