import { RecommendedAction, type HealthEventWithStatus } from '@nvsentinel/health-model';
import { describe, expect, it } from 'vitest';
import { gpuFatalEvent } from '../testing/health-events.js';
import { decide, needsFacts, type DecisionFacts } from './decide.js';

function stored(
  overrides: { quarantine?: string; eviction?: string; event?: Parameters<typeof gpuFatalEvent>[1] } = {},
): HealthEventWithStatus {
  return {
    id: 'e1',
    createdAt: new Date('2026-01-01T00:00:00Z'),
    healthEvent: gpuFatalEvent('node-a', overrides.event),
    healthEventStatus: {
      nodeQuarantined: overrides.quarantine ?? 'Quarantined',
      userPodsEvictionStatus: { status: overrides.eviction ?? 'InProgress', message: '' },
      faultRemediated: null,
      spanIds: {},
    },
  };
}
const facts = (overrides: Partial<DecisionFacts> = {}): DecisionFacts => ({
  sessionEnded: false,
  drainedInSession: false,
  partialDrainEnabled: false,
  ...overrides,
});

describe('decide', () => {
  it.each(['Succeeded', 'Failed', 'AlreadyDrained', 'Cancelled'])(
    'skips an event whose drain already ended (%s)',
    (eviction) => {
      expect(decide(stored({ eviction }), facts()).kind).toBe('skip');
      expect(needsFacts(stored({ eviction }))).toBe(false);
    },
  );

  it('skips an event that is not quarantined', () => {
    expect(decide(stored({ quarantine: '' }), facts()).kind).toBe('skip');
  });

  it('cancels on Cancelled, and when a later event un-quarantined the node', () => {
    expect(decide(stored({ quarantine: 'Cancelled' }), facts()).kind).toBe('cancel');
    expect(decide(stored(), facts({ sessionEnded: true })).kind).toBe('cancel');
  });

  it('records the un-quarantining event itself as finished', () => {
    expect(decide(stored({ quarantine: 'UnQuarantined', eviction: '' }), facts()).kind).toBe('unquarantined');
  });

  it('healthy events and drainOverrides.skip are already drained, without datastore look-ups', () => {
    const healthy = stored({ quarantine: 'AlreadyQuarantined', event: { isHealthy: true } });
    const skip = stored({ event: { drainOverrides: { skip: true, force: false } } });
    expect(decide(healthy, facts()).kind).toBe('already-drained');
    expect(decide(skip, facts()).kind).toBe('already-drained');
    expect(needsFacts(healthy) || needsFacts(skip)).toBe(false);
  });

  it('AlreadyQuarantined is already drained only when a covering drain succeeded in the session', () => {
    expect(decide(stored({ quarantine: 'AlreadyQuarantined' }), facts({ drainedInSession: true })).kind).toBe(
      'already-drained',
    );
    expect(decide(stored({ quarantine: 'AlreadyQuarantined' }), facts()).kind).toBe('drain');
    expect(decide(stored({ quarantine: 'Quarantined' }), facts({ drainedInSession: true })).kind).toBe('drain');
  });

  it('drainOverrides.force drains Immediate', () => {
    expect(decide(stored({ event: { drainOverrides: { skip: false, force: true } } }), facts())).toEqual({
      kind: 'drain',
      scope: { kind: 'full' },
      forceImmediate: true,
    });
  });

  it('partial drain scopes COMPONENT_RESET to its GPU_UUID entity and fails without one', () => {
    const reset = (entities: { entityType: string; entityValue: string }[]) =>
      stored({ event: { recommendedAction: RecommendedAction.COMPONENT_RESET, entitiesImpacted: entities } });
    expect(
      decide(
        reset([
          { entityType: 'GPU', entityValue: '0' },
          { entityType: 'GPU_UUID', entityValue: 'GPU-1' },
        ]),
        facts({ partialDrainEnabled: true }),
      ),
    ).toMatchObject({
      kind: 'drain',
      scope: { kind: 'gpu', gpuUuid: 'GPU-1' },
    });
    expect(decide(reset([{ entityType: 'GPU', entityValue: '0' }]), facts({ partialDrainEnabled: true })).kind).toBe(
      'fail',
    );
    expect(decide(reset([]), facts({ partialDrainEnabled: false }))).toMatchObject({
      kind: 'drain',
      scope: { kind: 'full' },
    });
    expect(decide(stored(), facts({ partialDrainEnabled: true }))).toMatchObject({
      kind: 'drain',
      scope: { kind: 'full' },
    });
  });
});
