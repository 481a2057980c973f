import {
  healthEventsToProtoJson,
  validateHealthEvents,
  type HealthEvent,
  type ProcessingStrategy,
  type RecommendedAction,
} from '@nvsentinel/health-model';
import { describe, expect, it } from 'vitest';
import { validateDecodedEvents } from './validate-decoded.js';

const valid: HealthEvent = {
  version: 1,
  agent: 'gpu-health-monitor',
  componentClass: 'GPU',
  checkName: 'GpuMemWatch',
  isFatal: true,
  isHealthy: false,
  message: 'dbe',
  recommendedAction: 15,
  errorCode: ['48'],
  entitiesImpacted: [{ entityType: 'GPU', entityValue: '0' }],
  metadata: {},
  generatedTimestamp: { seconds: 1_795_000_000, nanos: 5 },
  nodeName: 'n1',
  processingStrategy: 0,
  id: '',
  customRecommendedAction: '',
};

/** Cases the wire format can carry but the rules refuse (and one it must accept). */
const cases: Array<[string, Partial<HealthEvent>]> = [
  ['valid', {}],
  ['blank agent', { agent: '  ' }],
  ['no node, no check', { nodeName: '', checkName: '' }],
  ['CUSTOM without a name', { recommendedAction: 27 }],
  ['CUSTOM with a name', { recommendedAction: 27, customRecommendedAction: 'DRAIN_AND_WAIT' }],
  ['unknown action', { recommendedAction: 3 as RecommendedAction }],
  ['unknown strategy', { processingStrategy: 9 as ProcessingStrategy }],
  ['blank entity value', { entitiesImpacted: [{ entityType: 'GPU', entityValue: '' }] }],
  ['nanos out of range', { generatedTimestamp: { seconds: 1, nanos: 1_000_000_000 } }],
];

describe('validateDecodedEvents agrees with the JSON validator', () => {
  it.each(cases)('%s', (_name, overrides) => {
    const events = [valid, { ...valid, ...overrides }];
    const decoded = validateDecodedEvents(events);
    let json: ReturnType<typeof validateHealthEvents>;
    try {
      json = validateHealthEvents(healthEventsToProtoJson(events));
    } catch {
      // Values proto3 JSON cannot even express (e.g. an unknown enum number) are refused by
      // construction there; the decoded path must refuse them too.
      expect(decoded.length).toBeGreaterThan(0);
      return;
    }
    const paths = (list: Array<{ path: string }>) => list.map((i) => i.path).sort();
    expect(paths(decoded)).toEqual(json.ok ? [] : paths(json.errors));
  });

  it('an empty batch is refused', () => {
    expect(validateDecodedEvents([])).toEqual([{ path: 'events', message: 'must contain at least one event' }]);
  });
});
