import { describe, expect, it } from 'vitest';
import { diffMergePatch } from './merge-patch.js';

/** RFC 7386 apply, to check that diff + apply round-trips. */
function apply(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const result: Record<string, unknown> =
    typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...(target as object) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete result[k];
    else result[k] = apply(result[k], v);
  }
  return result;
}

describe('diffMergePatch', () => {
  it('names only what changed, deletes removed keys with null, replaces arrays whole', () => {
    const before = {
      metadata: { labels: { a: '1', b: '2' }, name: 'n' },
      spec: { taints: [{ key: 'x' }], podCIDR: '10.0.0.0/24' },
    };
    const after = {
      metadata: { labels: { a: '1', c: '3' }, name: 'n' },
      spec: { taints: [{ key: 'x' }, { key: 'y' }], podCIDR: '10.0.0.0/24', unschedulable: true },
    };
    const patch = diffMergePatch(before, after);
    expect(patch).toEqual({
      metadata: { labels: { b: null, c: '3' } },
      spec: { taints: [{ key: 'x' }, { key: 'y' }], unschedulable: true },
    });
    expect(apply(before, patch)).toEqual(after);
  });

  it('returns undefined when equal, ignoring undefined-valued keys', () => {
    expect(diffMergePatch({ a: { b: [1, { c: 2 }] }, u: undefined }, { a: { b: [1, { c: 2 }] } })).toBeUndefined();
  });

  it('replaces an object with a scalar and vice versa', () => {
    expect(diffMergePatch({ a: { b: 1 } }, { a: 2 })).toEqual({ a: 2 });
    expect(diffMergePatch({ a: 2 }, { a: { b: 1 } })).toEqual({ a: { b: 1 } });
  });
});
