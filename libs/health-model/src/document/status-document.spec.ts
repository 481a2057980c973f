import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HealthModelErrorCode, isHealthModelError } from '../errors.js';
import { healthEventStatusArbitrary } from '../testing/arbitraries.js';
import { newHealthEventStatus, statusFromDocument, statusToDocument } from './status-document.js';

describe('healtheventstatus mapping', () => {
  it('starts events with nothing decided', () => {
    expect(statusToDocument(newHealthEventStatus())).toStrictEqual({
      nodequarantined: '',
      quarantinefinishtimestamp: null,
      userpodsevictionstatus: { status: '', message: '' },
      drainfinishtimestamp: null,
      faultremediated: null,
      lastremediationtimestamp: null,
      spanids: {},
    });
  });

  it('returns a fresh initial status on every call', () => {
    const first = newHealthEventStatus();
    first.spanIds.x = 'y';
    expect(newHealthEventStatus().spanIds).toStrictEqual({});
  });

  it('round-trips every status (property)', () => {
    fc.assert(
      fc.property(healthEventStatusArbitrary, (status) => {
        expect(statusFromDocument(statusToDocument(status))).toStrictEqual(status);
      }),
    );
  });

  it('stores faultRemediated in BoolValue shape', () => {
    expect(statusToDocument({ ...newHealthEventStatus(), faultRemediated: false }).faultremediated).toStrictEqual({
      value: false,
    });
  });

  it('names the field it cannot decode', () => {
    expect(() => statusFromDocument({ nodequarantined: true })).toThrowError(
      'healtheventstatus.nodequarantined: expected string, got boolean',
    );
    try {
      statusFromDocument({ userpodsevictionstatus: 'Succeeded' });
      expect.unreachable();
    } catch (error) {
      expect(isHealthModelError(error, HealthModelErrorCode.DocumentUndecodable)).toBe(true);
    }
  });
});
