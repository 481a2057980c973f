/**
 * One attempt at one event, upstream's reconcile order:
 *   cancellation (UnQuarantined/Cancelled) → partial recovery (healthy while quarantined) →
 *   resolve the action → skip NONE / already remediated / unsupported → existing-CR check over the
 *   event's group and its superseding groups → optional log collector → label `remediating`,
 *   create the CR, record the group in the node annotation, label the outcome, write
 *   `faultremediated`.
 * Every step is idempotent, so a redelivered event or a restart between the CR and the status
 * write repeats nothing harmful: the CR name is derived from the event, AlreadyExists is success.
 */
import { DocumentPaths, EvictionStatus, QuarantineStatus, type HealthEventWithStatus } from '@nvsentinel/health-model';
import { type CustomObjectOps, type CustomResourceRef, isNotFound, isTransient } from '@nvsentinel/k8s';
import type { Logger } from '@nvsentinel/service-kit';
import type { HealthEventStore } from '@nvsentinel/store-client';
import type { RemediationAction, RemediationConfig } from '../config/remediation-config.js';
import { NodeMissingError } from '../errors.js';
import { CRStatusLabel, type RemediationMetrics } from '../metrics.js';
import {
  REMEDIATION_STATE_ANNOTATION,
  parseRemediationState,
  rfc3339,
  serializeRemediationState,
  withGroup,
  withoutGroups,
} from './annotation.js';
import { CRState, crState } from './cr-status.js';
import type { CreationsFirst } from './creations-first.js';
import type { LogCollector } from './log-collector.js';
import { renderManifest, withNodeOwner } from './manifest.js';
import { NODE_STATE_LABEL, NodeMetadata, REMEDIATION_LABELS, RemediationLabel } from './node-metadata.js';
import { coveringGroups, resolveAction } from './resolve-action.js';
import { buildTemplateData, remediationSpanId } from './template-data.js';

export interface ReconcileContext {
  store: HealthEventStore;
  nodes: NodeMetadata;
  crs: CustomObjectOps;
  config: RemediationConfig;
  metrics: RemediationMetrics;
  logger: Logger;
  dryRun: boolean;
  now(): Date;
  /** False once this replica is not the leader: nothing more is written. */
  isActing(): boolean;
  logCollector?: LogCollector;
  /** Test seam: runs after the CR is created, before the annotation and status writes. */
  afterCrCreated?: (crName: string) => Promise<void>;
  /** Shared by the attempts of this process: their CRs go out before their outcome writes. */
  creationsFirst?: CreationsFirst;
}

export type Outcome =
  | { kind: 'created'; crName: string }
  | { kind: 'failed'; reason: string }
  | { kind: 'skipped'; reason: string }
  /** Look again after `afterMs` (a CR in progress, a log-collector Job running). */
  | { kind: 'requeue'; afterMs: number; reason: string };

/** How long an event held behind an InProgress CR waits before looking again (upstream #1536). */
export const IN_PROGRESS_REQUEUE_MS = 30_000;

export class NotActingError extends Error {
  constructor() {
    super('this replica is no longer the leader; the event is left to the new leader');
  }
}

export async function reconcile(
  ctx: ReconcileContext,
  event: HealthEventWithStatus,
  options: { inProgressRequeueMs?: number } = {},
): Promise<Outcome> {
  const status = event.healthEventStatus;
  const he = event.healthEvent;
  const node = he.nodeName;
  const guard = (): void => {
    if (!ctx.isActing()) throw new NotActingError();
  };

  if (
    status.nodeQuarantined === QuarantineStatus.UnQuarantined ||
    status.nodeQuarantined === QuarantineStatus.Cancelled
  ) {
    if (status.faultRemediated !== null) return { kind: 'skipped', reason: 'cancellation already handled' };
    guard();
    return cancel(ctx, event);
  }
  if (
    status.nodeQuarantined !== QuarantineStatus.Quarantined &&
    status.nodeQuarantined !== QuarantineStatus.AlreadyQuarantined
  ) {
    return { kind: 'skipped', reason: `node quarantine status is "${status.nodeQuarantined}"` };
  }
  const drained = status.userPodsEvictionStatus.status;
  if (drained !== EvictionStatus.Succeeded && drained !== EvictionStatus.AlreadyDrained) {
    return { kind: 'skipped', reason: `drain not finished ("${drained}")` };
  }
  if (he.isHealthy) {
    if (status.faultRemediated !== null) return { kind: 'skipped', reason: 'partial recovery already handled' };
    guard();
    return partialRecovery(ctx, event);
  }
  // true (remediated or covered) and false (unsupported, failed, cancelled) are both final: a
  // redelivered or requeued event must not start a remediation its session already closed.
  if (status.faultRemediated !== null)
    return { kind: 'skipped', reason: `already resolved (faultremediated=${status.faultRemediated})` };

  const resolution = resolveAction(ctx.config, he);
  if (resolution.kind === 'none') return { kind: 'skipped', reason: 'recommended action NONE' };
  if (resolution.kind === 'unsupported' || resolution.kind === 'missing-entity') {
    guard();
    const reason =
      resolution.kind === 'unsupported'
        ? `action ${resolution.actionName} is not configured`
        : `event has no ${resolution.entityType} entity`;
    if (resolution.kind === 'unsupported')
      ctx.metrics.unsupportedActions.inc({ action: resolution.actionName, node_name: node });
    else ctx.metrics.processingErrors.inc({ error_type: 'missing_entity', node_name: node });
    await setStateLabel(ctx, node, RemediationLabel.Failed);
    await ctx.store.updateRemediationStatus(event.id, false);
    ctx.metrics.eventsProcessed.inc({ cr_status: CRStatusLabel.Failed, node_name: node });
    ctx.logger.warn({ node, eventId: event.id, action: resolution.actionName }, `not remediated: ${reason}`);
    return { kind: 'failed', reason };
  }

  const { action, actionName, group } = resolution;
  const manifest = renderManifest(
    action,
    buildTemplateData({ event, action, actionName, impactedEntityScopeValue: resolution.entityValue }),
  );
  const crName = manifest.metadata!.name!;

  // Existing CRs of this group or a superseding one, newest first (upstream's state check).
  guard();
  const current = await ctx.nodes.view(node);
  if (!current) return nodeMissing(ctx, event);
  // Dry-run never writes the annotation, so it never finds a CR of its own either.
  let state = parseRemediationState(ctx.dryRun ? undefined : current.remediationState);
  const stale: string[] = [];
  const entries = coveringGroups(resolution)
    .map((g) => [g, state.equivalenceGroups[g]] as const)
    .filter((e): e is readonly [string, NonNullable<(typeof e)[1]>] => e[1] !== undefined)
    .sort((a, b) => Date.parse(b[1].createdAt) - Date.parse(a[1].createdAt));
  for (const [entryGroup, entry] of entries) {
    // Our own CR from an earlier attempt (killed before the status write): finish that attempt.
    if (entry.maintenanceCR === crName && entryGroup === group) continue;
    const entryAction = ctx.config.actions.get(entry.actionName);
    const object = entryAction
      ? await ctx.crs.get(crRef(entryAction), entry.maintenanceCR).catch(() => undefined)
      : undefined;
    const crStatus = ctx.dryRun ? CRState.NotFound : crState(object, entryAction?.completeConditionType ?? '');
    ctx.logger.debug(
      { node, eventId: event.id, group: entryGroup, cr: entry.maintenanceCR, state: crStatus },
      'existing CR checked',
    );
    if (crStatus === CRState.InProgress) {
      ctx.metrics.eventsProcessed.inc({ cr_status: CRStatusLabel.Skipped, node_name: node });
      return {
        kind: 'requeue',
        afterMs: options.inProgressRequeueMs ?? IN_PROGRESS_REQUEUE_MS,
        reason: `CR ${entry.maintenanceCR} (${entryGroup}) is in progress`,
      };
    }
    if (crStatus === CRState.Succeeded) {
      if (event.createdAt.getTime() <= Date.parse(entry.createdAt)) {
        guard();
        await ctx.store.updateRemediationStatus(event.id, true);
        ctx.metrics.eventsProcessed.inc({ cr_status: CRStatusLabel.Skipped, node_name: node });
        return { kind: 'skipped', reason: `covered by succeeded CR ${entry.maintenanceCR} (${entryGroup})` };
      }
      continue; // a fault after that remediation: it needs its own CR
    }
    stale.push(entryGroup); // NotFound or Failed: forget it and create a new CR
  }
  if (stale.length) state = withoutGroups(state, stale);

  if (ctx.logCollector) {
    const collected = await ctx.logCollector.ensure(event, guard);
    if (collected.kind === 'running')
      return { kind: 'requeue', afterMs: collected.recheckMs, reason: 'log collector job running' };
  }

  // The `remediating` label and the CR are sent together rather than one after the other: the
  // CR is one round trip after the drain instead of two, and the label still says "remediating"
  // until the outcome label below replaces it (that write waits for both). The owner reference
  // uses the node as this process knows it; the label write answers with the node as stored.
  guard();
  const send = () =>
    Promise.allSettled([
      ctx.nodes.patch(node, { labels: { [NODE_STATE_LABEL]: RemediationLabel.Remediating } }),
      ctx.crs.create(crRef(action), withNodeOwner(manifest, current), { dryRun: ctx.dryRun }),
    ]);
  const [labelling, creating] = await (ctx.creationsFirst ? ctx.creationsFirst.creating(send) : send());
  if (labelling.status === 'rejected') {
    // A CR created meanwhile for a node that is gone is garbage-collected with its owner.
    if (isNotFound(labelling.reason)) return nodeMissing(ctx, event);
    throw labelling.reason; // retried with backoff; a CR created meanwhile counts as created then
  }
  let created = false;
  if (creating.status === 'fulfilled') {
    created = true;
    const uid = labelling.value.metadata?.uid;
    if (!ctx.dryRun && uid && uid !== current.uid) {
      // The node was re-created after this process last saw it: own the CR by the node that exists.
      guard();
      await ctx.crs.patch(crRef(action), crName, {
        metadata: { ownerReferences: withNodeOwner(manifest, { name: node, uid }).metadata!.ownerReferences },
      });
    }
  } else {
    const err = creating.reason;
    ctx.metrics.processingErrors.inc({ error_type: 'create_cr', node_name: node });
    ctx.logger.error({ err, node, eventId: event.id, cr: crName }, 'creating the maintenance CR failed');
    if (isTransient(err)) throw err; // retried with backoff; labels are rewritten next attempt
  }

  if (created) await ctx.afterCrCreated?.(crName);
  if (created) await ctx.creationsFirst?.idle();
  guard();
  const nextState =
    created && !ctx.dryRun
      ? withGroup(state, group, { maintenanceCR: crName, createdAt: rfc3339(ctx.now()), actionName })
      : state;
  const annotation = serializeRemediationState(nextState);
  const annotationChanged = annotation !== (current.remediationState ?? null);
  await ctx.nodes.patch(node, {
    labels: { [NODE_STATE_LABEL]: created ? RemediationLabel.Succeeded : RemediationLabel.Failed },
    ...(annotationChanged && !ctx.dryRun ? { annotations: { [REMEDIATION_STATE_ANNOTATION]: annotation } } : {}),
  });
  // One write with the span id: `faultremediated` is what other components wait on, so nothing of
  // this attempt is written after it.
  await ctx.store.updateRemediationStatus(event.id, created, remediationSpanId(event.id));
  ctx.metrics.eventsProcessed.inc({
    cr_status: created ? CRStatusLabel.Created : CRStatusLabel.Failed,
    node_name: node,
  });
  if (created && status.drainFinishTimestamp) {
    const drainedAt = status.drainFinishTimestamp.seconds * 1000 + Math.floor(status.drainFinishTimestamp.nanos / 1e6);
    ctx.metrics.crGenerateDuration.observe(Math.max(0, (ctx.now().getTime() - drainedAt) / 1000));
  }
  ctx.logger.info(
    { node, eventId: event.id, cr: crName, kind: action.kind, group, dryRun: ctx.dryRun, created },
    created ? 'maintenance CR created' : 'maintenance CR not created',
  );
  return created ? { kind: 'created', crName } : { kind: 'failed', reason: 'CR creation failed' };
}

function crRef(action: RemediationAction): CustomResourceRef {
  return {
    group: action.apiGroup,
    version: action.version,
    plural: action.plural,
    ...(action.scope === 'Namespaced' ? { namespace: action.namespace } : {}),
  };
}

/**
 * UnQuarantined (healthy again) or Cancelled (manual uncordon): the remediation-ready events of
 * the node's covered groups that were never resolved are closed — remediated when the node
 * recovered, not remediated when an operator cancelled — the annotation and our state label go,
 * and this event is marked handled.
 */
async function cancel(ctx: ReconcileContext, event: HealthEventWithStatus): Promise<Outcome> {
  const node = event.healthEvent.nodeName;
  const current = await readNodeSafely(ctx, node);
  if (current) {
    const state = parseRemediationState(current.metadata?.annotations?.[REMEDIATION_STATE_ANNOTATION]);
    const covered = new Set(Object.keys(state.equivalenceGroups));
    const recovered = event.healthEventStatus.nodeQuarantined === QuarantineStatus.UnQuarantined;
    if (covered.size > 0) {
      const candidates = await ctx.store.findHealthEventsByFilter({
        [DocumentPaths.nodeName]: node,
        [DocumentPaths.nodeQuarantined]: { $in: [QuarantineStatus.Quarantined, QuarantineStatus.AlreadyQuarantined] },
        [DocumentPaths.evictionStatus]: { $in: [EvictionStatus.Succeeded, EvictionStatus.AlreadyDrained] },
        [DocumentPaths.faultRemediated]: null,
        [DocumentPaths.createdAt]: { $lte: event.createdAt },
      });
      for (const candidate of candidates) {
        const resolution = resolveAction(ctx.config, candidate.healthEvent);
        if (resolution.kind !== 'action' || !coveringGroups(resolution).some((g) => covered.has(g))) continue;
        if (!ctx.isActing()) throw new NotActingError();
        await ctx.store.updateRemediationStatus(candidate.id, recovered);
      }
    }
    const label = current.metadata?.labels?.[NODE_STATE_LABEL];
    const labels = label !== undefined && REMEDIATION_LABELS.includes(label) ? { [NODE_STATE_LABEL]: null } : undefined;
    const annotations =
      current.metadata?.annotations?.[REMEDIATION_STATE_ANNOTATION] !== undefined
        ? { [REMEDIATION_STATE_ANNOTATION]: null }
        : undefined;
    if (labels || annotations) {
      if (!ctx.isActing()) throw new NotActingError();
      await ctx.nodes.patch(node, { ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) });
    }
  }
  await ctx.store.updateRemediationStatus(event.id, true);
  ctx.logger.info(
    { node, eventId: event.id, status: event.healthEventStatus.nodeQuarantined, nodeExists: current !== undefined },
    'remediation state cleared',
  );
  return { kind: 'skipped', reason: `quarantine ${event.healthEventStatus.nodeQuarantined}` };
}

/**
 * A healthy event while the node stays quarantined: some faults cleared, others remain. The
 * state label is recomputed from the faults still active in this quarantine session —
 * remediation-failed if any of them failed or was unsupported, remediation-succeeded otherwise.
 */
async function partialRecovery(ctx: ReconcileContext, event: HealthEventWithStatus): Promise<Outcome> {
  const node = event.healthEvent.nodeName;
  const events = await ctx.store.findHealthEventsByNode(node);
  const ordered = events
    .filter((e) => e.createdAt.getTime() <= event.createdAt.getTime())
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  // The session starts at the newest event that quarantined the node.
  let start = 0;
  ordered.forEach((e, i) => {
    if (e.healthEventStatus.nodeQuarantined === QuarantineStatus.Quarantined) start = i;
  });
  const session = ordered.slice(start);
  const active = session.filter((fault, i) => {
    if (fault.healthEvent.isHealthy || fault.id === event.id) return false;
    const s = fault.healthEventStatus.nodeQuarantined;
    if (s !== QuarantineStatus.Quarantined && s !== QuarantineStatus.AlreadyQuarantined) return false;
    // Cleared by a later healthy event of the same check (and entity, when the healthy event names some).
    return !session
      .slice(i + 1)
      .some(
        (h) => h.healthEvent.isHealthy && h.healthEvent.checkName === fault.healthEvent.checkName && clears(h, fault),
      );
  });
  const current = await readNodeSafely(ctx, node);
  const label = current?.metadata?.labels?.[NODE_STATE_LABEL];
  if (
    current &&
    (label === RemediationLabel.Succeeded || label === RemediationLabel.Failed) &&
    active.some((a) => a.healthEventStatus.faultRemediated !== null)
  ) {
    const failed = active.some((a) => a.healthEventStatus.faultRemediated === false);
    const next = failed ? RemediationLabel.Failed : RemediationLabel.Succeeded;
    if (next !== label) await setStateLabel(ctx, node, next);
  }
  await ctx.store.updateRemediationStatus(event.id, true);
  ctx.logger.info({ node, eventId: event.id, activeFaults: active.length }, 'partial recovery: state label recomputed');
  return { kind: 'skipped', reason: 'partial recovery' };
}

function clears(healthy: HealthEventWithStatus, fault: HealthEventWithStatus): boolean {
  const entities = healthy.healthEvent.entitiesImpacted;
  if (entities.length === 0) return true;
  return fault.healthEvent.entitiesImpacted.some((f) =>
    entities.some((e) => e.entityType === f.entityType && e.entityValue === f.entityValue),
  );
}

async function setStateLabel(ctx: ReconcileContext, node: string, value: string): Promise<void> {
  try {
    await ctx.nodes.patch(node, { labels: { [NODE_STATE_LABEL]: value } });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

async function readNodeSafely(ctx: ReconcileContext, node: string) {
  try {
    return await ctx.nodes.get(node);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** A missing Node gets no CR (upstream: an error); the event is closed as not remediated. */
async function nodeMissing(ctx: ReconcileContext, event: HealthEventWithStatus): Promise<Outcome> {
  const error = new NodeMissingError(event.healthEvent.nodeName, event.id);
  ctx.metrics.processingErrors.inc({ error_type: 'node_not_found', node_name: event.healthEvent.nodeName });
  ctx.logger.error({ err: error, node: event.healthEvent.nodeName, eventId: event.id }, error.message);
  if (!ctx.isActing()) throw new NotActingError();
  await ctx.store.updateRemediationStatus(event.id, false);
  ctx.metrics.eventsProcessed.inc({ cr_status: CRStatusLabel.Failed, node_name: event.healthEvent.nodeName });
  return { kind: 'failed', reason: error.message };
}
