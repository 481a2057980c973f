import { cloneObject, isPlainObject } from '../resources/kube-object.js';

/**
 * RFC 7386 JSON merge patch: objects merge recursively, `null` deletes a key, everything else
 * (arrays included) replaces the target value.
 */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return cloneObject(patch);
  const result: Record<string, unknown> = isPlainObject(target) ? cloneObject(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}
