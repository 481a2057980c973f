import { describe, expect, it } from 'vitest';
import { findNodeCondition, isNodeReady, mergeNodeCondition, withoutNodeCondition } from './conditions.js';

const t0 = new Date('2026-11-21T10:00:00.000Z');
const t1 = new Date('2026-11-21T10:05:00.700Z');

const ready = { type: 'Ready', status: 'True', lastTransitionTime: t0, lastHeartbeatTime: t0 };

describe('mergeNodeCondition', () => {
  it('adds a new type with both times set, leaving other types alone', () => {
    const r = mergeNodeCondition(
      [ready],
      { type: 'GpuXid', status: 'True', reason: 'GpuXidIsNotHealthy', message: 'ErrorCode:79' },
      t1,
    );
    expect(r).toMatchObject({ changed: true, transitioned: true });
    expect(r.conditions[0]).toEqual(ready);
    expect(r.conditions[1]).toMatchObject({
      type: 'GpuXid',
      status: 'True',
      lastTransitionTime: new Date('2026-11-21T10:05:00Z'),
    });
  });

  it('keeps lastTransitionTime when the status does not change but moves the heartbeat', () => {
    const r = mergeNodeCondition([ready], { type: 'Ready', status: 'True', reason: 'KubeletReady' }, t1);
    expect(r).toMatchObject({ changed: true, transitioned: false });
    expect(r.conditions[0].lastTransitionTime).toEqual(t0);
    expect(r.conditions[0].lastHeartbeatTime).toEqual(new Date('2026-11-21T10:05:00Z'));
  });

  it('moves lastTransitionTime when the status flips', () => {
    const r = mergeNodeCondition([ready], { type: 'Ready', status: 'False' }, t1);
    expect(r.transitioned).toBe(true);
    expect(r.conditions[0].lastTransitionTime).toEqual(new Date('2026-11-21T10:05:00Z'));
  });

  it('is a no-op when status, reason, message and heartbeat are unchanged', () => {
    const r = mergeNodeCondition([ready], { type: 'Ready', status: 'True', heartbeatTime: t0 }, t1);
    expect(r.changed).toBe(false);
  });
});

describe('withoutNodeCondition', () => {
  it('removes by type and says whether it did', () => {
    expect(withoutNodeCondition([ready], 'Ready')).toEqual({ conditions: [], removed: true });
    expect(withoutNodeCondition([ready], 'Other').removed).toBe(false);
  });
});

describe('findNodeCondition / isNodeReady', () => {
  it('reads the Ready condition; Unknown and missing are not ready', () => {
    expect(isNodeReady({ status: { conditions: [ready] } })).toBe(true);
    expect(isNodeReady({ status: { conditions: [{ ...ready, status: 'Unknown' }] } })).toBe(false);
    expect(isNodeReady({})).toBe(false);
    expect(findNodeCondition({ status: { conditions: [ready] } }, 'Ready')).toBe(ready);
  });
});
