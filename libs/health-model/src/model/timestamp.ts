import type { Timestamp } from './types.js';

const NANOS_PER_SECOND = 1_000_000_000;
const MILLIS_PER_SECOND = 1_000;

/**
 * Range of google.protobuf.Timestamp: 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59.999999999Z.
 * Values outside it are rejected by every proto3 JSON parser, so we reject them too.
 */
export const MIN_TIMESTAMP_SECONDS = -62_135_596_800;
export const MAX_TIMESTAMP_SECONDS = 253_402_300_799;

// RFC 3339 as proto3 JSON writes it, plus the offsets it is allowed to read ("Z" or ±hh:mm).
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** True when `ts` has integer seconds within the proto range and nanos in [0, 1e9). */
export function isValidTimestamp(ts: Timestamp): boolean {
  return (
    Number.isSafeInteger(ts.seconds) &&
    ts.seconds >= MIN_TIMESTAMP_SECONDS &&
    ts.seconds <= MAX_TIMESTAMP_SECONDS &&
    Number.isInteger(ts.nanos) &&
    ts.nanos >= 0 &&
    ts.nanos < NANOS_PER_SECOND
  );
}

/**
 * Parses an RFC 3339 timestamp without losing nanoseconds (Date.parse would truncate to
 * milliseconds). Returns undefined for anything that is not a valid RFC 3339 instant.
 */
export function parseRfc3339(text: string): Timestamp | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zulu, sign, offH, offM] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return undefined;
  if (day < 1 || day > daysInMonth(year, month)) return undefined;
  let offsetSeconds = 0;
  if (!zulu) {
    const oh = Number(offH);
    const om = Number(offM);
    if (oh > 23 || om > 59) return undefined;
    offsetSeconds = (sign === '-' ? -1 : 1) * (oh * 3600 + om * 60);
  }
  // Date.UTC treats years 0..99 as 1900+; setUTCFullYear does not.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  const seconds = date.getTime() / MILLIS_PER_SECOND - offsetSeconds;
  const nanos = frac ? Number(frac.padEnd(9, '0')) : 0;
  const ts = { seconds, nanos };
  return isValidTimestamp(ts) ? ts : undefined;
}

/**
 * Formats like proto3 JSON: UTC with "Z" and 0, 3, 6 or 9 fractional digits.
 * Throws RangeError for a timestamp outside the proto range (a programming error).
 */
export function formatRfc3339(ts: Timestamp): string {
  if (!isValidTimestamp(ts)) {
    throw new RangeError(
      `timestamp {seconds: ${ts.seconds}, nanos: ${ts.nanos}} is outside the google.protobuf.Timestamp range`,
    );
  }
  const date = new Date(ts.seconds * MILLIS_PER_SECOND);
  const year = date.getUTCFullYear();
  const base =
    `${String(year).padStart(4, '0')}-${pad2(date.getUTCMonth() + 1)}-${pad2(date.getUTCDate())}` +
    `T${pad2(date.getUTCHours())}:${pad2(date.getUTCMinutes())}:${pad2(date.getUTCSeconds())}`;
  return `${base}${fraction(ts.nanos)}Z`;
}

/** A Date (millisecond precision) as a Timestamp. */
export function timestampFromDate(date: Date): Timestamp {
  const millis = date.getTime();
  const seconds = Math.floor(millis / MILLIS_PER_SECOND);
  return { seconds, nanos: (millis - seconds * MILLIS_PER_SECOND) * 1_000_000 };
}

/** A Timestamp as a Date; sub-millisecond nanos are truncated. */
export function timestampToDate(ts: Timestamp): Date {
  return new Date(ts.seconds * MILLIS_PER_SECOND + Math.floor(ts.nanos / 1_000_000));
}

function fraction(nanos: number): string {
  if (nanos === 0) return '';
  if (nanos % 1_000_000 === 0) return `.${String(nanos / 1_000_000).padStart(3, '0')}`;
  if (nanos % 1_000 === 0) return `.${String(nanos / 1_000).padStart(6, '0')}`;
  return `.${String(nanos).padStart(9, '0')}`;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
}
