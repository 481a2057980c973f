import { describe, expect, it } from 'vitest';
import { mergedStatus } from './status-merge.js';

describe('status merge with the stored event', () => {
  it.each([
    ['QUARANTINE_TRIGGERED', 'DETECTED', 'QUARANTINE_TRIGGERED'],
    ['QUARANTINE_TRIGGERED', 'MAINTENANCE_ONGOING', 'MAINTENANCE_ONGOING'],
    ['MAINTENANCE_COMPLETE', 'MAINTENANCE_ONGOING', 'MAINTENANCE_COMPLETE'],
    ['HEALTHY_TRIGGERED', 'MAINTENANCE_COMPLETE', 'HEALTHY_TRIGGERED'],
    ['NODE_READINESS_TIMEOUT', 'MAINTENANCE_COMPLETE', 'NODE_READINESS_TIMEOUT'],
    ['QUARANTINE_TRIGGERED', 'CANCELLED', 'CANCELLED'],
    ['HEALTHY_TRIGGERED', 'CANCELLED', 'HEALTHY_TRIGGERED'],
    ['ERROR', 'DETECTED', 'DETECTED'],
    ['DETECTED', 'DETECTED', 'DETECTED'],
  ] as const)('stored %s + observed %s → %s', (stored, observed, expected) => {
    expect(mergedStatus(stored, observed)).toBe(expected);
  });
});
