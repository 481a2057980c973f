/**
 * One drain attempt for one event: re-read the event, decide, act, and say when to look again.
 * Every step is idempotent, so an attempt repeated after a crash or a redelivery changes nothing
 * that the first one already did.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { EvictionStatus, type HealthEventWithStatus } from '@nvsentinel/health-model';
import { isNotFound, podKey, type ProcessResult } from '@nvsentinel/k8s';
import type { DrainContext } from './drain-context.js';
import { decide, needsFacts } from './decide.js';
import { loadDecisionFacts } from './facts.js';
import { finishDrain } from './finish-drain.js';
import {
  DRAIN_EVENT_COMPONENT,
  DRAIN_EVENT_NAMESPACE,
  DRAIN_EVENT_TYPE,
  EventReason,
  NODE_STATE_LABEL,
  NodeDrainState,
} from './labels.js';
import { planIsEmpty, planPods, type DrainScope, type PodPlan } from './pod-plan.js';
import type { TrackedEvent } from './tracker.js';
import { EvictionsFailedError } from '../errors.js';
import { untilDeletionDue } from './recheck.js';

export async function processEvent(ctx: DrainContext, id: string): Promise<ProcessResult> {
  const event = await ctx.store.findHealthEventById(id);
  if (!event) {
    ctx.tracker.untrack(id);
    return {};
  }
  const tracked = ctx.tracker.track(id, event.healthEvent.nodeName, event.createdAt);
  // Whatever the last attempt waited for is decided afresh now; no pod watch wakes it meanwhile.
  tracked.waitingOn = undefined;
  const woken = tracked.wokenByPodWatch === true;
  tracked.wokenByPodWatch = false;
  ctx.logger.debug(
    { eventId: id, node: tracked.node, quarantine: event.healthEventStatus.nodeQuarantined },
    'drain attempt',
  );
  const facts = needsFacts(event)
    ? await loadDecisionFacts(ctx.store, event, ctx.config.partialDrainEnabled)
    : { sessionEnded: false, drainedInSession: false, partialDrainEnabled: ctx.config.partialDrainEnabled };
  const decision = decide(event, facts);
  const node = event.healthEvent.nodeName;
  switch (decision.kind) {
    case 'skip':
      ctx.tracker.untrack(id);
      return {};
    case 'cancel':
      await finishDrain(ctx, event, EvictionStatus.Cancelled, decision.reason, 'remove-draining');
      ctx.metrics.cancelledEvents.inc({ node, check: event.healthEvent.checkName });
      return {};
    case 'unquarantined':
      // Upstream records Succeeded here: fault-remediation reads UnQuarantined+Succeeded as "clear".
      await finishDrain(
        ctx,
        event,
        EvictionStatus.Succeeded,
        'node un-quarantined; no drain needed',
        'remove-draining',
        'cancelled',
      );
      return {};
    case 'already-drained':
      await finishDrain(ctx, event, EvictionStatus.AlreadyDrained, decision.reason, 'keep');
      return {};
    case 'fail':
      await finishDrain(ctx, event, EvictionStatus.Failed, decision.reason, { set: NodeDrainState.Failed });
      return {};
    case 'drain':
      return drainNode(ctx, event, tracked, decision.scope, decision.forceImmediate, woken);
  }
}

/** What a drain step did: when to look again, and the pods whose ending should wake it sooner. */
interface StepResult {
  requeueAfterMs: number;
  waitingOn?: V1Pod[];
}

async function drainNode(
  ctx: DrainContext,
  event: HealthEventWithStatus,
  tracked: TrackedEvent,
  scope: DrainScope,
  forceImmediate: boolean,
  wokenByPodWatch: boolean,
): Promise<ProcessResult> {
  const node = event.healthEvent.nodeName;
  const now = ctx.now();
  // Woken by the pod watch: its cache usually answers what a LIST would (see PodWakeups.podsAfterWake).
  const cached = wokenByPodWatch ? ctx.wakeups?.podsAfterWake(tracked) : undefined;
  const list = cached ? { items: cached } : await ctx.pods.podListOnNode(node);
  const plan = planPods({
    pods: list.items,
    config: ctx.config,
    scope,
    forceImmediate,
    now,
    dryRunHandled: tracked.dryRunHandled,
  });
  if (planIsEmpty(plan)) {
    const what = scope.kind === 'gpu' ? `pods using ${scope.gpuUuid} drained` : 'all user pods drained';
    await finishDrain(ctx, event, EvictionStatus.Succeeded, ctx.dryRun ? `${what} (dry run)` : what, {
      set: NodeDrainState.Succeeded,
    });
    return {};
  }
  if (!tracked.labelledDraining) {
    await ctx.nodes.setLabels(node, { [NODE_STATE_LABEL]: NodeDrainState.Draining }).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
    tracked.labelledDraining = true;
  }
  const step = await nextStep(ctx, event, tracked, plan, now);
  if (step.waitingOn?.length) ctx.wakeups?.waitFor(tracked, step.waitingOn, list);
  return { requeueAfterMs: step.requeueAfterMs };
}

/** Upstream's order: Immediate namespaces first, then DeleteAfterTimeout, then AllowCompletion. */
async function nextStep(
  ctx: DrainContext,
  event: HealthEventWithStatus,
  tracked: TrackedEvent,
  plan: PodPlan,
  now: Date,
): Promise<StepResult> {
  if (plan.toEvict.length > 0) return evictImmediate(ctx, tracked, plan.toEvict, plan.evicting);
  if (plan.evicting.length > 0)
    return { requeueAfterMs: untilDeletionDue(plan.evicting, now, ctx.timing), waitingOn: plan.evicting };
  if (plan.deleteAfterTimeout.length > 0) return deleteAfterTimeout(ctx, event, tracked, plan.deleteAfterTimeout, now);
  await recordNodeEvent(
    ctx,
    tracked,
    EventReason.AwaitingPodCompletion,
    `Waiting for following pods to finish: [${plan.allowCompletion.map(podKey).join(',')}]`,
  );
  return { requeueAfterMs: ctx.timing.pollIntervalMs, waitingOn: plan.allowCompletion };
}

async function evictImmediate(
  ctx: DrainContext,
  tracked: TrackedEvent,
  pods: V1Pod[],
  alreadyEvicting: V1Pod[],
): Promise<StepResult> {
  const grace = ctx.config.evictionTimeoutSeconds;
  // deadlineMs 0: one try per attempt. A budget that refuses is retried by requeueing the event
  // with backoff, so a blocked node never holds a worker that other nodes could use.
  const results = await Promise.all(
    pods.map((pod) => ctx.pods.evictPod(pod, { gracePeriodSeconds: grace, deadlineMs: 0, dryRun: ctx.dryRun })),
  );
  const blocked: string[] = [];
  const failed: string[] = [];
  const evicted: V1Pod[] = [];
  results.forEach((result, index) => {
    const pod = pods[index]!;
    if (result.outcome === 'blocked-by-pdb') blocked.push(podKey(pod));
    else if (result.outcome === 'error') failed.push(`${podKey(pod)}: ${result.error.message}`);
    else if (ctx.dryRun && result.outcome === 'evicted') tracked.dryRunHandled.add(pod.metadata?.uid ?? '');
    else if (result.outcome === 'evicted') evicted.push(pod);
  });
  if (failed.length > 0) {
    throw new EvictionsFailedError(tracked.node, failed.join('; '));
  }
  if (blocked.length > 0) {
    // No pod-watch wake-up here: a budget frees when replacements become ready elsewhere, which
    // this node's watch does not see; an early futile retry would only lengthen the backoff.
    tracked.blockedAttempts += 1;
    const delay = Math.min(
      ctx.timing.blockedBackoffMaxMs,
      ctx.timing.blockedBackoffBaseMs * 2 ** Math.min(tracked.blockedAttempts - 1, 30),
    );
    ctx.logger.info(
      { node: tracked.node, eventId: tracked.id, pods: blocked, retryInMs: delay },
      'eviction refused by a PodDisruptionBudget; retrying later',
    );
    return { requeueAfterMs: delay };
  }
  tracked.blockedAttempts = 0;
  return { requeueAfterMs: ctx.timing.verifyIntervalMs, waitingOn: [...evicted, ...alreadyEvicting] };
}

async function deleteAfterTimeout(
  ctx: DrainContext,
  event: HealthEventWithStatus,
  tracked: TrackedEvent,
  pods: V1Pod[],
  now: Date,
): Promise<StepResult> {
  const node = tracked.node;
  const deadline = new Date(event.createdAt.getTime() + ctx.config.deleteAfterTimeoutMinutes * 60_000);
  const remainingMs = deadline.getTime() - now.getTime();
  if (remainingMs > 0) {
    ctx.metrics.waitingForTimeout.set({ node }, 1);
    const namespaces = [...new Set(pods.map((p) => p.metadata?.namespace ?? ''))];
    await recordNodeEvent(
      ctx,
      tracked,
      EventReason.WaitingBeforeForceDelete,
      `Waiting for following pods to finish: [${pods.map((p) => p.metadata?.name ?? '').join(',')}] in namespace: [${namespaces.join(',')}] or they will be force deleted on: ${deadline.toISOString()}`,
    );
    return { requeueAfterMs: Math.min(ctx.timing.pollIntervalMs, remainingMs), waitingOn: pods };
  }
  ctx.metrics.waitingForTimeout.set({ node }, 0);
  await Promise.all(
    pods.map(async (pod) => {
      await ctx.pods.deletePod(pod, { force: true, dryRun: ctx.dryRun });
      if (ctx.dryRun) tracked.dryRunHandled.add(pod.metadata?.uid ?? '');
      ctx.metrics.forceDeletedPods.inc({ node, namespace: pod.metadata?.namespace ?? '' });
    }),
  );
  ctx.logger.info(
    { node, eventId: tracked.id, pods: pods.map(podKey), dryRun: ctx.dryRun },
    'force-deleted pods after deleteAfterTimeoutMinutes',
  );
  return { requeueAfterMs: ctx.timing.verifyIntervalMs, ...(ctx.dryRun ? {} : { waitingOn: pods }) };
}

/**
 * A node Event, written only when its message changes for this drain: an unchanged wait would
 * otherwise spend one API call per poll just to bump a counter.
 */
async function recordNodeEvent(
  ctx: DrainContext,
  tracked: TrackedEvent,
  reason: string,
  message: string,
): Promise<void> {
  const key = `${reason}\n${message}`;
  if (tracked.lastEventMessage === key) return;
  await ctx.recorder.record({
    involvedObject: { kind: 'Node', name: tracked.node, uid: tracked.node },
    namespace: DRAIN_EVENT_NAMESPACE,
    type: DRAIN_EVENT_TYPE,
    reason,
    message,
    source: { component: DRAIN_EVENT_COMPONENT },
  });
  tracked.lastEventMessage = key;
}
