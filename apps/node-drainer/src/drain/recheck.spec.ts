import { describe, expect, it } from 'vitest';
import { untilDeletionDue } from './recheck.js';

const NOW = new Date('2026-01-01T00:00:00Z');
const terminating = (inMs: number) => ({ metadata: { deletionTimestamp: new Date(NOW.getTime() + inMs) } });
const timing = { verifyIntervalMs: 2_000, pollIntervalMs: 10_000 };

describe('untilDeletionDue', () => {
  it('waits until the earliest deletion deadline, within [verify, poll]', () => {
    expect(untilDeletionDue([terminating(5_000), terminating(8_000)], NOW, timing)).toBe(5_000);
    expect(untilDeletionDue([terminating(60_000)], NOW, timing)).toBe(10_000);
    expect(untilDeletionDue([terminating(500)], NOW, timing)).toBe(2_000);
  });

  it('checks overdue pods at the verify pace', () => {
    expect(untilDeletionDue([terminating(-30_000)], NOW, timing)).toBe(2_000);
  });
});
