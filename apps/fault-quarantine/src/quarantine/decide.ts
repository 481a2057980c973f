/**
 * What one event means for one node, decided from the node's current state alone (pure, so it
 * re-runs unchanged when a conflicting write forces a fresh read). Upstream §4.2 steps 2–5.
 */
import type { V1Node } from '@kubernetes/client-node';
import { type HealthEvent, QuarantineStatus } from '@nvsentinel/health-model';
import type { TaintConfig } from '../config/config-types.js';
import { type Evaluation, resolveTaints } from '../rules/rule-engine.js';
import { Annotations, CORDONED_BY, OPT_OUT_LABEL } from './node-keys.js';
import { type TrackedFault, addFaults, clearedBy, faultsOf, parseTrackedFaults } from './tracked-faults.js';

export interface QuarantineActions {
  taints: TaintConfig[];
  cordon: boolean;
  /** Names of the cordoning rule sets, or the event message when forced. */
  reasons: string[];
  cordonBy: string;
  /** quarantineOverrides.force: not counted by the circuit breaker. */
  forced: boolean;
}

export type Decision =
  | { kind: 'ignore'; reason: string }
  /** First fault on a node that FQ does not track yet. */
  | ({ kind: 'quarantine'; faults: TrackedFault[] } & QuarantineActions)
  /** Another fault on an already quarantined node; its cordon/taints are applied too (upstream #1439). */
  | ({ kind: 'add-faults'; faults: TrackedFault[]; replayOfFirst: boolean } & QuarantineActions)
  /** A healthy event cleared some tracked faults but not all. */
  | { kind: 'partial-recovery'; faults: TrackedFault[] }
  /** A healthy event cleared the last tracked fault. */
  | { kind: 'unquarantine' };

export interface DecisionInput {
  node: V1Node;
  event: HealthEvent;
  eventId: string;
  /** Evaluated lazily: healthy events never need the rules. */
  evaluate: () => Evaluation;
}

function trackedFaultsOf(node: V1Node): TrackedFault[] {
  return parseTrackedFaults(node.metadata?.annotations?.[Annotations.healthEvents]);
}

function isOptedOut(node: V1Node): boolean {
  return node.metadata?.labels?.[OPT_OUT_LABEL] === 'false';
}

export function decide({ node, event, eventId, evaluate }: DecisionInput): Decision {
  const tracked = trackedFaultsOf(node);
  if (event.isHealthy) {
    if (tracked.length === 0) return { kind: 'ignore', reason: 'healthy event for a node that is not quarantined' };
    const clears = clearedBy(event);
    const remaining = tracked.filter((fault) => !clears(fault));
    if (remaining.length === tracked.length)
      return { kind: 'ignore', reason: 'healthy event for a fault that is not tracked' };
    return remaining.length === 0 ? { kind: 'unquarantine' } : { kind: 'partial-recovery', faults: remaining };
  }
  if (event.quarantineOverrides?.skip) return { kind: 'ignore', reason: 'quarantineOverrides.skip is set' };
  if (isOptedOut(node)) return { kind: 'ignore', reason: `node opted out with ${OPT_OUT_LABEL}=false` };

  const actions = actionsFor(event, evaluate());
  if (!actions) return { kind: 'ignore', reason: 'no rule set matched and the event is not forced' };
  if (tracked.length > 0) {
    const { faults } = addFaults(tracked, faultsOf(event, eventId));
    // A redelivered event that first quarantined the node must report Quarantined again.
    const replayOfFirst = tracked.every((fault) => fault.id === eventId);
    return { kind: 'add-faults', faults, replayOfFirst, ...actions };
  }
  if (!actions.forced && !actions.cordon && actions.taints.length === 0) {
    return { kind: 'ignore', reason: 'matching rule sets neither cordon nor taint' };
  }
  return { kind: 'quarantine', faults: faultsOf(event, eventId), ...actions };
}

function actionsFor(event: HealthEvent, evaluation: Evaluation): QuarantineActions | undefined {
  const forced = event.quarantineOverrides?.force === true;
  if (evaluation.matched.length === 0 && !forced) return undefined;
  const cordoning = evaluation.matched.filter((ruleSet) => ruleSet.shouldCordon);
  const taints = resolveTaints(evaluation.matched);
  if (forced) {
    const creator = event.metadata['creator_id'] ?? '';
    return { taints, cordon: true, reasons: [event.message], cordonBy: `${event.agent}-${creator}`, forced };
  }
  return { taints, cordon: cordoning.length > 0, reasons: cordoning.map((r) => r.name), cordonBy: CORDONED_BY, forced };
}

export function statusOf(decision: Decision): QuarantineStatus | undefined {
  switch (decision.kind) {
    case 'ignore':
      return undefined;
    case 'quarantine':
      return QuarantineStatus.Quarantined;
    case 'add-faults':
      return decision.replayOfFirst ? QuarantineStatus.Quarantined : QuarantineStatus.AlreadyQuarantined;
    case 'partial-recovery':
      return QuarantineStatus.AlreadyQuarantined;
    case 'unquarantine':
      return QuarantineStatus.UnQuarantined;
  }
}
