/** The node annotation's JSON (upstream's exact shape) and the CR state check. */
import { describe, expect, it } from 'vitest';
import { parseRemediationState, rfc3339, serializeRemediationState, withGroup, withoutGroups } from './annotation.js';
import { crState } from './cr-status.js';

describe('latestFaultRemediationState', () => {
  const entry = { maintenanceCR: 'maintenance-n-1', createdAt: '2026-05-01T10:00:00.5Z', actionName: 'RESTART_VM' };

  it("serializes upstream's shape and deletes the key when no group remains", () => {
    const state = withGroup({ equivalenceGroups: {} }, 'restart', entry);
    expect(serializeRemediationState(state)).toBe(
      '{"equivalenceGroups":{"restart":{"maintenanceCR":"maintenance-n-1","createdAt":"2026-05-01T10:00:00.5Z","actionName":"RESTART_VM"}}}',
    );
    expect(parseRemediationState(serializeRemediationState(state)!)).toEqual(state);
    expect(serializeRemediationState(withoutGroups(state, ['restart']))).toBeNull();
  });

  it.each([undefined, '', 'not json', '[]', '{"equivalenceGroups":3}', 'null'])('treats %j as empty', (value) => {
    expect(parseRemediationState(value)).toEqual({ equivalenceGroups: {} });
  });

  it('formats times as Go encodes time.Time (RFC 3339, trailing zeros trimmed)', () => {
    expect(rfc3339(new Date('2026-05-01T10:00:00.000Z'))).toBe('2026-05-01T10:00:00Z');
    expect(rfc3339(new Date('2026-05-01T10:00:00.120Z'))).toBe('2026-05-01T10:00:00.12Z');
  });
});

describe('CR state check', () => {
  const cr = (conditions?: Array<{ type: string; status: string }>) => ({
    metadata: { name: 'x' },
    ...(conditions ? { status: { conditions } } : {}),
  });
  it.each([
    ['missing', undefined, 'NotFound'],
    ['no status', cr(), 'InProgress'],
    ['no conditions', cr([]), 'InProgress'],
    ['other conditions only', cr([{ type: 'SignalSent', status: 'True' }]), 'InProgress'],
    ['complete Unknown', cr([{ type: 'NodeReady', status: 'Unknown' }]), 'InProgress'],
    [
      'complete True',
      cr([
        { type: 'SignalSent', status: 'True' },
        { type: 'NodeReady', status: 'True' },
      ]),
      'Succeeded',
    ],
    ['complete False', cr([{ type: 'NodeReady', status: 'False' }]), 'Failed'],
  ])('%s → %s', (_name, object, expected) => {
    expect(crState(object, 'NodeReady')).toBe(expected);
  });
});
