import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatRfc3339,
  parseRfc3339,
  timestampFromDate,
  timestampToDate,
  MAX_TIMESTAMP_SECONDS,
  MIN_TIMESTAMP_SECONDS,
} from './timestamp.js';

describe('RFC 3339 timestamps', () => {
  it('formats like proto3 JSON: UTC, Z, 0/3/6/9 fractional digits', () => {
    expect(formatRfc3339({ seconds: 0, nanos: 0 })).toBe('1970-01-01T00:00:00Z');
    expect(formatRfc3339({ seconds: 1, nanos: 20_000_000 })).toBe('1970-01-01T00:00:01.020Z');
    expect(formatRfc3339({ seconds: 1, nanos: 5_000 })).toBe('1970-01-01T00:00:01.000005Z');
    expect(formatRfc3339({ seconds: 1, nanos: 7 })).toBe('1970-01-01T00:00:01.000000007Z');
    expect(formatRfc3339({ seconds: MIN_TIMESTAMP_SECONDS, nanos: 0 })).toBe('0001-01-01T00:00:00Z');
    expect(() => formatRfc3339({ seconds: MAX_TIMESTAMP_SECONDS + 1, nanos: 0 })).toThrow(RangeError);
  });

  it('parses what it formats, over the whole Timestamp range (property)', () => {
    const ts = fc.record(
      {
        seconds: fc.integer({ min: MIN_TIMESTAMP_SECONDS, max: MAX_TIMESTAMP_SECONDS }),
        nanos: fc.integer({ min: 0, max: 999_999_999 }),
      },
      { noNullPrototype: true },
    );
    fc.assert(
      fc.property(ts, (t) => {
        expect(parseRfc3339(formatRfc3339(t))).toStrictEqual(t);
      }),
    );
  });

  it('applies offsets and keeps nanoseconds', () => {
    expect(parseRfc3339('1970-01-01T01:00:00.5+01:00')).toStrictEqual({ seconds: 0, nanos: 500_000_000 });
    expect(parseRfc3339('1970-01-01t00:00:00-00:30')).toStrictEqual({ seconds: 1800, nanos: 0 });
  });

  it.each([
    '',
    '2026-01-01',
    '2026-01-01T00:00:00',
    '2026-02-29T00:00:00Z',
    '2026-01-01T24:00:00Z',
    '2026-01-01T00:00:00.1234567890Z',
    '10000-01-01T00:00:00Z',
  ])('rejects %j', (text) => expect(parseRfc3339(text)).toBeUndefined());

  it('converts to and from Date at millisecond precision', () => {
    const date = new Date('1969-12-31T23:59:59.999Z');
    expect(timestampFromDate(date)).toStrictEqual({ seconds: -1, nanos: 999_000_000 });
    expect(timestampToDate(timestampFromDate(date))).toStrictEqual(date);
  });
});
