import { describe, expect, it } from 'vitest';
import { compileFieldSelector } from './field-selector.js';
import { compileLabelSelector, compileStructuredSelector, parseLabelSelector } from './label-selector.js';

describe('label selectors', () => {
  it('parses every operator', () => {
    expect(parseLabelSelector('a=1,b==2,c!=3,d in (x, y),e notin (z),f,!g')).toEqual([
      { key: 'a', op: 'in', values: ['1'] },
      { key: 'b', op: 'in', values: ['2'] },
      { key: 'c', op: 'notin', values: ['3'] },
      { key: 'd', op: 'in', values: ['x', 'y'] },
      { key: 'e', op: 'notin', values: ['z'] },
      { key: 'f', op: 'exists' },
      { key: 'g', op: '!exists' },
    ]);
  });
  it('matches like the API server (!= matches a missing key)', () => {
    const matcher = compileLabelSelector('nvidia.com/gpu.present=true,role!=system');
    expect(matcher({ 'nvidia.com/gpu.present': 'true' })).toBe(true);
    expect(matcher({ 'nvidia.com/gpu.present': 'true', role: 'system' })).toBe(false);
    expect(matcher(undefined)).toBe(false);
    expect(compileLabelSelector('')(undefined)).toBe(true);
  });
  it('treats an empty structured selector as everything and a missing one as nothing', () => {
    expect(compileStructuredSelector({})({ a: 'b' })).toBe(true);
    expect(compileStructuredSelector(undefined)({ a: 'b' })).toBe(false);
    const matcher = compileStructuredSelector({
      matchLabels: { app: 'web' },
      matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['cache'] }],
    });
    expect(matcher({ app: 'web' })).toBe(true);
    expect(matcher({ app: 'web', tier: 'cache' })).toBe(false);
  });
});

describe('field selectors', () => {
  const pod = {
    metadata: { name: 'p', namespace: 'n' },
    spec: { nodeName: 'gpu-node-1' },
    status: { phase: 'Running' },
  };
  it('matches =, == and != on supported fields', () => {
    expect(
      compileFieldSelector(
        'spec.nodeName=gpu-node-1,status.phase!=Failed',
        ['spec.nodeName', 'status.phase'],
        'Pod',
      )(pod),
    ).toBe(true);
    expect(compileFieldSelector('metadata.name==q', [], 'Pod')(pod)).toBe(false);
  });
  it('rejects unsupported fields with 400', () => {
    expect(() => compileFieldSelector('spec.foo=1', ['spec.nodeName'], 'Pod')).toThrow(
      expect.objectContaining({ code: 400 }),
    );
  });
});
