/**
 * Upstream's CR state check (`crstatus`): a missing CR (or a failed read) is NotFound; no status
 * or no conditions is InProgress; the condition of type `completeConditionType` True is
 * Succeeded, False is Failed, anything else InProgress.
 */
import type { CustomObject } from '@nvsentinel/k8s';

export const CRState = {
  NotFound: 'NotFound',
  InProgress: 'InProgress',
  Succeeded: 'Succeeded',
  Failed: 'Failed',
} as const;
export type CRState = (typeof CRState)[keyof typeof CRState];

interface Condition {
  type?: string;
  status?: string;
}

export function crState(object: CustomObject<unknown, unknown> | undefined, completeConditionType: string): CRState {
  if (!object) return CRState.NotFound;
  const conditions = (object.status as { conditions?: Condition[] } | undefined)?.conditions;
  if (!Array.isArray(conditions) || conditions.length === 0) return CRState.InProgress;
  const condition = conditions.find((c) => c.type === completeConditionType);
  if (condition?.status === 'True') return CRState.Succeeded;
  if (condition?.status === 'False') return CRState.Failed;
  return CRState.InProgress;
}
