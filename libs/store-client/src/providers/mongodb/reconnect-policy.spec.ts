import { describe, expect, it } from 'vitest';

import {
  DEFAULT_RECONNECT_POLICY,
  reconnectDelayMs,
  shouldReconnect,
  type ReconnectPolicy,
} from './reconnect-policy.js';

const policy: ReconnectPolicy = { initialDelayMs: 100, maxDelayMs: 1_000, multiplier: 2, deadlineMs: 5_000 };

describe('reconnect policy', () => {
  it('backs off exponentially up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => reconnectDelayMs(n, policy))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('keeps reconnecting while the outage plus the next delay fits the deadline', () => {
    expect(shouldReconnect(0, 3_000, 1_000, policy)).toBe(true);
    expect(shouldReconnect(0, 4_000, 1_000, policy)).toBe(true);
    expect(shouldReconnect(0, 4_001, 1_000, policy)).toBe(false);
  });

  it('defaults: first retry fast, at most 3 s apart, never gives up (an outage is waited out)', () => {
    expect(reconnectDelayMs(1)).toBeLessThan(1_000);
    expect(reconnectDelayMs(50)).toBe(3_000);
    expect(DEFAULT_RECONNECT_POLICY.deadlineMs).toBe(Number.POSITIVE_INFINITY);
    expect(shouldReconnect(0, 24 * 3600_000, 3_000)).toBe(true);
  });
});
