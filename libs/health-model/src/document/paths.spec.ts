import { describe, expect, it } from 'vitest';
import { toDocument } from './health-event-document.js';
import { DocumentPaths, metadataPath, spanIdPath } from './paths.js';

/** Resolves a dotted path like MongoDB does, descending element-wise into arrays. */
function resolve(value: unknown, path: string): unknown[] {
  let current: unknown[] = [value];
  for (const segment of path.split('.')) {
    current = current
      .flatMap((v) => (Array.isArray(v) ? v : [v]))
      .flatMap((v) =>
        typeof v === 'object' && v !== null && segment in v ? [(v as Record<string, unknown>)[segment]] : [],
      );
  }
  return current;
}

describe('DocumentPaths', () => {
  const doc = toDocument({
    id: 'a',
    createdAt: new Date(0),
    healthEvent: {
      version: 1,
      agent: 'a',
      componentClass: 'GPU',
      checkName: 'c',
      isFatal: true,
      isHealthy: false,
      message: '',
      recommendedAction: 0,
      errorCode: [],
      entitiesImpacted: [{ entityType: 'GPU', entityValue: '0' }],
      metadata: {},
      generatedTimestamp: { seconds: 1, nanos: 2 },
      nodeName: 'n',
      quarantineOverrides: { force: false, skip: false },
      drainOverrides: { force: false, skip: true },
      processingStrategy: 0,
      id: '',
      customRecommendedAction: '',
    },
    healthEventStatus: {
      nodeQuarantined: 'Quarantined',
      quarantineFinishTimestamp: { seconds: 1, nanos: 0 },
      userPodsEvictionStatus: { status: 'Succeeded', message: '' },
      drainFinishTimestamp: { seconds: 2, nanos: 0 },
      faultRemediated: true,
      lastRemediationTimestamp: { seconds: 3, nanos: 0 },
      spanIds: {},
    },
  });

  it.each(Object.entries(DocumentPaths))('%s = %s addresses a field of the stored document', (_name, path) => {
    expect(resolve(doc, path)).not.toHaveLength(0);
  });

  it('builds per-service and per-key paths and refuses segments that would split them', () => {
    expect(spanIdPath('node-drainer')).toBe('healtheventstatus.spanids.node-drainer');
    expect(metadataPath('providerID')).toBe('healthevent.metadata.providerID');
    expect(() => spanIdPath('a.b')).toThrow(/contain no '\.'/);
    expect(() => metadataPath('$set')).toThrow(/not start with '\$'/);
    expect(() => metadataPath('')).toThrow(/non-empty/);
  });
});
