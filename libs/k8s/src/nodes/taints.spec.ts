import { describe, expect, it } from 'vitest';
import { mergeTaints, withoutTaints } from './taints.js';

const now = new Date('2026-11-21T10:00:00Z');

describe('mergeTaints', () => {
  it('reports exact matches as pre-existing and adds the rest', () => {
    const current = [{ key: 'operator', value: 'maint', effect: 'NoSchedule' }];
    const { taints, result } = mergeTaints(
      current,
      [
        { key: 'operator', value: 'maint', effect: 'NoSchedule' },
        { key: 'nvsentinel', value: 'gpu', effect: 'NoExecute' },
      ],
      now,
    );
    expect(result.preExisting).toEqual([{ key: 'operator', value: 'maint', effect: 'NoSchedule' }]);
    expect(result.added).toEqual([{ key: 'nvsentinel', value: 'gpu', effect: 'NoExecute' }]);
    expect(taints).toHaveLength(2);
    expect(taints[1].timeAdded).toEqual(now);
    expect(current).toHaveLength(1); // input untouched
  });

  it('replaces the value of an occupied key+effect slot instead of duplicating it', () => {
    const { taints, result } = mergeTaints(
      [{ key: 'k', value: 'old', effect: 'NoSchedule' }],
      [{ key: 'k', value: 'new', effect: 'NoSchedule' }],
      now,
    );
    expect(taints).toEqual([{ key: 'k', value: 'new', effect: 'NoSchedule' }]);
    expect(result.added).toHaveLength(1);
    expect(result.preExisting).toHaveLength(0);
  });

  it('treats the same key with another effect as a different taint', () => {
    const { taints } = mergeTaints([{ key: 'k', effect: 'NoSchedule' }], [{ key: 'k', effect: 'NoExecute' }], now);
    expect(taints.map((t) => t.effect)).toEqual(['NoSchedule', 'NoExecute']);
  });
});

describe('withoutTaints', () => {
  it('removes by key+effect (and value when given) and lists what was absent', () => {
    const current = [
      { key: 'a', value: '1', effect: 'NoSchedule' },
      { key: 'b', value: '2', effect: 'NoSchedule' },
    ];
    const { taints, result } = withoutTaints(current, [
      { key: 'a', effect: 'NoSchedule' },
      { key: 'b', value: 'other', effect: 'NoSchedule' },
      { key: 'c', effect: 'NoExecute' },
    ]);
    expect(taints).toEqual([{ key: 'b', value: '2', effect: 'NoSchedule' }]);
    expect(result.removed).toEqual([{ key: 'a', value: '1', effect: 'NoSchedule' }]);
    expect(result.absent).toHaveLength(2);
  });
});
