/**
 * What to do with one event on one attempt, decided from the event as stored now plus a few
 * facts read from the datastore. Pure, so every branch of upstream's evaluation order is
 * unit-tested without I/O.
 */
import {
  EvictionStatus,
  QuarantineStatus,
  RecommendedAction,
  type HealthEventWithStatus,
} from '@nvsentinel/health-model';
import { GPU_ENTITY_TYPES } from './gpu-devices.js';
import type { DrainScope } from './pod-plan.js';

export const TERMINAL_EVICTION_STATUSES: readonly string[] = [
  EvictionStatus.Succeeded,
  EvictionStatus.Failed,
  EvictionStatus.AlreadyDrained,
  EvictionStatus.Cancelled,
];

export type Decision =
  /** Nothing to write: already finished, or not (yet) quarantined. */
  | { kind: 'skip'; reason: string }
  /** The quarantine was cancelled or has ended: stop and record Cancelled. */
  | { kind: 'cancel'; reason: string }
  /** The event un-quarantined the node: record Succeeded (upstream's signal to fault-remediation). */
  | { kind: 'unquarantined' }
  | { kind: 'already-drained'; reason: string }
  | { kind: 'fail'; reason: string }
  | { kind: 'drain'; scope: DrainScope; forceImmediate: boolean };

export interface DecisionFacts {
  /** A later event on the node un-quarantined it: this event's quarantine session is over. */
  sessionEnded: boolean;
  /** A drain with the same scope already succeeded in this quarantine session. */
  drainedInSession: boolean;
  partialDrainEnabled: boolean;
}

export function isTerminalEvictionStatus(status: string): boolean {
  return TERMINAL_EVICTION_STATUSES.includes(status);
}

/** Whether deciding this event needs the datastore facts (only live quarantines do). */
export function needsFacts(event: HealthEventWithStatus): boolean {
  const status = event.healthEventStatus;
  return (
    !isTerminalEvictionStatus(status.userPodsEvictionStatus.status) &&
    (status.nodeQuarantined === QuarantineStatus.Quarantined ||
      status.nodeQuarantined === QuarantineStatus.AlreadyQuarantined) &&
    !event.healthEvent.isHealthy &&
    !event.healthEvent.drainOverrides?.skip
  );
}

export function decide(event: HealthEventWithStatus, facts: DecisionFacts): Decision {
  const { healthEvent, healthEventStatus } = event;
  const evictionStatus = healthEventStatus.userPodsEvictionStatus.status;
  if (isTerminalEvictionStatus(evictionStatus))
    return { kind: 'skip', reason: `drain already finished (${evictionStatus})` };
  switch (healthEventStatus.nodeQuarantined) {
    case QuarantineStatus.Cancelled:
      return { kind: 'cancel', reason: 'quarantine cancelled (node uncordoned manually)' };
    case QuarantineStatus.UnQuarantined:
      return { kind: 'unquarantined' };
    case QuarantineStatus.Quarantined:
    case QuarantineStatus.AlreadyQuarantined:
      break;
    default:
      return { kind: 'skip', reason: 'node is not quarantined by this event' };
  }
  if (healthEvent.isHealthy) return { kind: 'already-drained', reason: 'healthy event: nothing to drain' };
  if (healthEvent.drainOverrides?.skip) return { kind: 'already-drained', reason: 'drainOverrides.skip is set' };
  if (facts.sessionEnded) return { kind: 'cancel', reason: 'node was un-quarantined after this event' };

  const scope = drainScopeOf(event, facts.partialDrainEnabled);
  if (scope === 'missing-gpu-entity') {
    return {
      kind: 'fail',
      reason: `partial drain of a COMPONENT_RESET event needs an entity of type ${GPU_ENTITY_TYPES.join(' or ')}`,
    };
  }
  if (healthEventStatus.nodeQuarantined === QuarantineStatus.AlreadyQuarantined && facts.drainedInSession) {
    return { kind: 'already-drained', reason: 'the node was already drained in this quarantine' };
  }
  return { kind: 'drain', scope, forceImmediate: healthEvent.drainOverrides?.force === true };
}

/** Full node, or the one GPU a COMPONENT_RESET names when partial drain is on. */
export function drainScopeOf(
  event: HealthEventWithStatus,
  partialDrainEnabled: boolean,
): DrainScope | 'missing-gpu-entity' {
  const { healthEvent } = event;
  if (!partialDrainEnabled || healthEvent.recommendedAction !== RecommendedAction.COMPONENT_RESET)
    return { kind: 'full' };
  const entity = healthEvent.entitiesImpacted.find((e) =>
    (GPU_ENTITY_TYPES as readonly string[]).includes(e.entityType),
  );
  return entity ? { kind: 'gpu', gpuUuid: entity.entityValue } : 'missing-gpu-entity';
}
