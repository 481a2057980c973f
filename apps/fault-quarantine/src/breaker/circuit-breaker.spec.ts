import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from './circuit-breaker.js';

function breaker(total: number, quarantined: string[] = [], percentage = 50, durationMs = 60_000) {
  let now = 0;
  const trips: number[] = [];
  const b = new CircuitBreaker({
    percentage,
    durationMs,
    totalNodes: () => total,
    quarantinedNodes: () => quarantined,
    now: () => now,
    onTrip: () => trips.push(now),
  });
  return { b, trips, advance: (ms: number) => (now += ms) };
}

describe('CircuitBreaker', () => {
  it('admits up to ceil(total × percentage / 100) distinct nodes, tripping on the last', () => {
    const { b, trips } = breaker(9); // ceil(4.5) = 5
    expect(b.threshold()).toBe(5);
    for (const n of ['a', 'b', 'c', 'd']) expect(b.admit(n)).toEqual({ admitted: true, tripsNow: false });
    expect(b.admit('a')).toEqual({ admitted: true, tripsNow: false }); // same node counts once
    expect(b.admit('e')).toEqual({ admitted: true, tripsNow: true });
    expect(b.status).toBe('TRIPPED');
    expect(b.admit('f')).toEqual({ admitted: false, reason: 'tripped' });
    // Admission is idempotent: nodes already counted are re-admitted after the trip (their
    // node write may be retried after a conflict), new ones are not.
    expect(b.admit('e')).toEqual({ admitted: true, tripsNow: false });
    expect(b.admit('a')).toEqual({ admitted: true, tripsNow: false });
    expect(b.admit('g')).toEqual({ admitted: false, reason: 'tripped' });
    expect(trips).toHaveLength(1);
  });

  it('forgets nodes that left the window, but still counts nodes that stay quarantined', () => {
    const quarantined = ['q1'];
    const { b, advance } = breaker(8, quarantined); // threshold 4
    b.admit('a');
    b.admit('b');
    expect(b.counted()).toEqual(new Set(['q1', 'a', 'b']));
    advance(60_001);
    expect(b.counted()).toEqual(new Set(['q1']));
    expect(b.admit('c').admitted).toBe(true);
    expect(b.utilization()).toBe(0.5);
  });

  it('never resets on its own and stays tripped when restored TRIPPED', () => {
    const { b, advance } = breaker(10);
    b.restore('TRIPPED');
    advance(10 * 60_000);
    expect(b.admit('a')).toEqual({ admitted: false, reason: 'tripped' });
  });

  it('refuses when there are no GPU nodes to count', () => {
    expect(breaker(0).b.admit('a')).toEqual({ admitted: false, reason: 'no-gpu-nodes' });
  });
});
