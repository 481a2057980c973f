/**
 * Which configured action an event asks for, and the equivalence group it falls in: the group
 * itself, or `<group>-<entityValue>` for per-entity actions (one GPUReset per GPU).
 */
import { RecommendedAction, effectiveRecommendedAction, type HealthEvent } from '@nvsentinel/health-model';
import type { RemediationAction, RemediationConfig } from '../config/remediation-config.js';

export type Resolution =
  | { kind: 'none' }
  | { kind: 'unsupported'; actionName: string }
  | { kind: 'missing-entity'; actionName: string; entityType: string }
  | { kind: 'action'; actionName: string; action: RemediationAction; group: string; entityValue: string };

export function resolveAction(config: RemediationConfig, event: HealthEvent): Resolution {
  if (event.recommendedAction === RecommendedAction.NONE) return { kind: 'none' };
  const actionName = effectiveRecommendedAction(event);
  const action = actionName ? config.actions.get(actionName) : undefined;
  if (!action) return { kind: 'unsupported', actionName: actionName || 'CUSTOM' };
  if (!action.impactedEntityScope)
    return { kind: 'action', actionName, action, group: action.equivalenceGroup, entityValue: '' };
  const entity = event.entitiesImpacted.find((e) => e.entityType === action.impactedEntityScope);
  if (!entity) return { kind: 'missing-entity', actionName, entityType: action.impactedEntityScope };
  return {
    kind: 'action',
    actionName,
    action,
    group: `${action.equivalenceGroup}-${entity.entityValue}`,
    entityValue: entity.entityValue,
  };
}

/** The groups whose CR covers an event of `resolution`: its own, then those that supersede it. */
export function coveringGroups(resolution: Extract<Resolution, { kind: 'action' }>): string[] {
  return [resolution.group, ...resolution.action.supersedingEquivalenceGroups];
}
