import { describe, expect, it } from 'vitest';
import { matchesLabels, parseLabelSelector } from './label-selector.js';

const labels = { 'nvidia.com/gpu.present': 'true', zone: 'a', tier: 'gpu' };

describe('label selectors', () => {
  it.each([
    ['nvidia.com/gpu.present=true', true],
    ['nvidia.com/gpu.present==true', true],
    ['nvidia.com/gpu.present!=true', false],
    ['zone in (a, b)', true],
    ['zone notin (a)', false],
    ['zone, tier=gpu', true],
    ['!zone', false],
    ['!missing', true],
    ['missing!=x', true],
    ['missing in (x)', false],
    ['zone in (b,c),tier=gpu', false],
    ['', true],
  ])('%s → %s', (selector, expected) => {
    expect(matchesLabels(labels, parseLabelSelector(selector))).toBe(expected);
  });

  it('accepts a map as key=value requirements', () => {
    expect(matchesLabels(labels, parseLabelSelector({ zone: 'a', tier: 'gpu' }))).toBe(true);
    expect(matchesLabels(labels, parseLabelSelector({ zone: 'b' }))).toBe(false);
  });

  it('names the bad term and the accepted forms', () => {
    expect(() => parseLabelSelector('a=b,=c')).toThrow(/"=c".*key=value/);
  });
});
