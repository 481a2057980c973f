/** Terminal write-backs: the event's eviction status, the node state label and the outcome metrics. */
import { EvictionStatus, type HealthEventWithStatus } from '@nvsentinel/health-model';
import { isNotFound } from '@nvsentinel/k8s';
import type { DrainContext } from './drain-context.js';
import { NODE_STATE_LABEL, NodeDrainState } from './labels.js';

export type LabelChange = { set: string } | 'remove-draining' | 'keep';

export async function finishDrain(
  ctx: DrainContext,
  event: HealthEventWithStatus,
  status: string,
  message: string,
  label: LabelChange,
  metricStatus: string = status,
): Promise<void> {
  const node = event.healthEvent.nodeName;
  // Label first: if the status write fails the attempt is retried and the label write repeats harmlessly.
  await changeStateLabel(ctx, node, label);
  await ctx.store.updatePodEvictionStatus(event.id, { status, message });
  ctx.metrics.eventsProcessed.inc({ drain_status: metricStatus, node });
  ctx.metrics.waitingForTimeout.set({ node }, 0);
  if (status === EvictionStatus.Succeeded && event.healthEventStatus.quarantineFinishTimestamp) {
    const quarantinedAtMs = event.healthEventStatus.quarantineFinishTimestamp.seconds * 1000;
    ctx.metrics.podEvictionDuration.observe(Math.max(0, (ctx.now().getTime() - quarantinedAtMs) / 1000));
  }
  ctx.tracker.untrack(event.id);
  ctx.logger.info({ node, eventId: event.id, status, message }, 'drain finished');
}

async function changeStateLabel(ctx: DrainContext, node: string, label: LabelChange): Promise<void> {
  if (label === 'keep') return;
  try {
    if (label === 'remove-draining') {
      // Only our own value goes: fault-quarantine may already have moved the node on.
      const current = (await ctx.nodes.get(node)).metadata?.labels?.[NODE_STATE_LABEL];
      if (current === NodeDrainState.Draining) await ctx.nodes.setLabels(node, { [NODE_STATE_LABEL]: null });
    } else {
      await ctx.nodes.setLabels(node, { [NODE_STATE_LABEL]: label.set });
    }
  } catch (err) {
    // A node that no longer exists has no label to keep right; the status must still be written.
    if (!isNotFound(err)) throw err;
  }
}
