/** The `quarantineHealthEventAppliedTaints` annotation, in upstream's `[{Key,Value,Effect,preExisting}]` shape. */
import type { TaintEffect } from '@nvsentinel/k8s';

export interface AppliedTaint {
  Key: string;
  Value: string;
  Effect: TaintEffect;
  /** The node carried this taint before FQ: un-quarantine leaves it. */
  preExisting: boolean;
}

export function parseAppliedTaints(annotation: string | undefined): AppliedTaint[] {
  if (!annotation) return [];
  try {
    const parsed: unknown = JSON.parse(annotation);
    if (!Array.isArray(parsed)) return [];
    return parsed
      .filter((t): t is Record<string, unknown> => typeof t === 'object' && t !== null && typeof t['Key'] === 'string')
      .map((t) => ({
        Key: t['Key'] as string,
        Value: typeof t['Value'] === 'string' ? t['Value'] : '',
        Effect: t['Effect'] as TaintEffect,
        preExisting: t['preExisting'] === true,
      }));
  } catch {
    return [];
  }
}

export function serializeAppliedTaints(taints: readonly AppliedTaint[]): string {
  return JSON.stringify(taints);
}

export const sameTaint = (a: { key: string; value?: string; effect: string }, b: AppliedTaint): boolean =>
  a.key === b.Key && (a.value ?? '') === b.Value && a.effect === b.Effect;
