import type { V1Taint } from '@kubernetes/client-node';

export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';

/** A taint to add or remove. Removal matches on key + effect, and on value when given. */
export interface TaintSpec {
  key: string;
  value?: string;
  effect: TaintEffect;
}

export interface AddTaintsResult {
  /** Taints this call put on the node (new, or an existing key+effect whose value it changed). */
  added: TaintSpec[];
  /** Requested taints the node already carried with the same key, value and effect. */
  preExisting: TaintSpec[];
}

export interface RemoveTaintsResult {
  removed: TaintSpec[];
  /** Requested taints the node did not carry. */
  absent: TaintSpec[];
}

const sameSlot = (a: { key: string; effect: string }, b: { key: string; effect: string }): boolean =>
  a.key === b.key && a.effect === b.effect;

const normalise = (t: V1Taint): TaintSpec => ({
  key: t.key,
  ...(t.value !== undefined && t.value !== '' ? { value: t.value } : {}),
  effect: t.effect as TaintEffect,
});

/**
 * Merge `wanted` into `current`. The API server keys taints by key+effect (two taints may not share
 * both), so a wanted taint whose slot is taken with another value replaces that value.
 * Pure: returns the new list and what happened; `now` stamps `timeAdded` on NoExecute taints.
 */
export function mergeTaints(
  current: readonly V1Taint[],
  wanted: readonly TaintSpec[],
  now: Date,
): { taints: V1Taint[]; result: AddTaintsResult } {
  const taints = current.map((t) => ({ ...t }));
  const result: AddTaintsResult = { added: [], preExisting: [] };
  for (const want of wanted) {
    const existing = taints.find((t) => sameSlot(t, want));
    if (existing && (existing.value ?? '') === (want.value ?? '')) {
      result.preExisting.push(normalise(existing));
      continue;
    }
    const taint: V1Taint = { key: want.key, effect: want.effect };
    if (want.value !== undefined && want.value !== '') taint.value = want.value;
    if (want.effect === 'NoExecute') taint.timeAdded = now;
    if (existing) taints.splice(taints.indexOf(existing), 1, taint);
    else taints.push(taint);
    result.added.push(normalise(taint));
  }
  return { taints, result };
}

/** Remove the taints matching `unwanted` (key+effect, plus value when the spec names one). */
export function withoutTaints(
  current: readonly V1Taint[],
  unwanted: readonly TaintSpec[],
): { taints: V1Taint[]; result: RemoveTaintsResult } {
  const result: RemoveTaintsResult = { removed: [], absent: [] };
  let taints = [...current];
  for (const spec of unwanted) {
    const match = taints.find((t) => sameSlot(t, spec) && (spec.value === undefined || (t.value ?? '') === spec.value));
    if (!match) {
      result.absent.push(spec);
      continue;
    }
    taints = taints.filter((t) => t !== match);
    result.removed.push(normalise(match));
  }
  return { taints, result };
}
