import { describe, expect, it } from 'vitest';
import { closestMatch, editDistance } from './did-you-mean.js';

describe('editDistance', () => {
  it.each([
    ['', '', 0],
    ['abc', '', 3],
    ['', 'abc', 3],
    ['kitten', 'sitting', 3],
    ['flaw', 'lawn', 2],
    ['metrics-port', 'metric-port', 1],
    ['same', 'same', 0],
  ])('%j → %j is %i', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe('closestMatch', () => {
  const flags = ['metrics-port', 'config-path', 'dry-run'];

  it('suggests the candidate within two edits', () => {
    expect(closestMatch('metric-port', flags)).toBe('metrics-port');
    expect(closestMatch('dryrun', flags)).toBe('dry-run');
  });

  it('suggests nothing for a different word', () => {
    expect(closestMatch('namespace', flags)).toBeUndefined();
    expect(closestMatch('config', flags)).toBeUndefined();
  });

  it('honours maxEdits', () => {
    expect(closestMatch('metrcs-prt', flags)).toBe('metrics-port');
    expect(closestMatch('metrcs-prt', flags, { maxEdits: 1 })).toBeUndefined();
  });

  it('prefers a normalised equal over a nearer raw match', () => {
    const keys = ['nodeName', 'node_names'];
    const normalize = (s: string) => s.replaceAll(/[_-]/g, '').toLowerCase();
    expect(closestMatch('node_name', keys, { normalize })).toBe('nodeName');
  });

  it('takes the first of equally near candidates', () => {
    expect(closestMatch('cat', ['bat', 'hat'])).toBe('bat');
  });
});
