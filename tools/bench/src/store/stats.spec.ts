import { describe, expect, it } from 'vitest';
import { percentile, summarize } from './stats.js';

describe('benchmark statistics', () => {
  it('percentile is nearest-rank on sorted samples', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile(sorted, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('summarize sorts a copy and reports count, p50, p99 and max', () => {
    const samples = [5, 1, 4, 2, 3];
    expect(summarize(samples)).toEqual({ count: 5, p50: 3, p99: 5, max: 5 });
    expect(samples).toEqual([5, 1, 4, 2, 3]);
  });
});
