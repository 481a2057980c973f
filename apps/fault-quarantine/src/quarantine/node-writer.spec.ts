import type { V1Node } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { nodePatch } from './node-writer.js';

const node = (labels: Record<string, string>, annotations: Record<string, string>, spec: V1Node['spec'] = {}): V1Node => ({
  metadata: { name: 'n', labels, annotations },
  spec,
});

describe('nodePatch', () => {
  it('names only changed keys, null for removed ones, and leaves other fields out', () => {
    const before = node({ keep: '1', drop: '2', change: 'a' }, { x: '1' }, { unschedulable: true, podCIDR: '10.0.0.0/24' });
    const after = node({ keep: '1', change: 'b', add: 'c' }, { x: '1' }, { unschedulable: false, podCIDR: '10.0.0.0/24' });
    expect(nodePatch(before, after)).toEqual({
      metadata: { labels: { drop: null, change: 'b', add: 'c' } },
      spec: { unschedulable: false },
    });
  });

  it('replaces the taint list as a whole when it changed', () => {
    const taint = { key: 'k', value: 'v', effect: 'NoSchedule' };
    expect(nodePatch(node({}, {}), node({}, {}, { taints: [taint] }))).toEqual({ spec: { taints: [taint] } });
  });

  it('is undefined when nothing changed', () => {
    expect(nodePatch(node({ a: '1' }, {}), node({ a: '1' }, {}))).toBeUndefined();
  });
});
