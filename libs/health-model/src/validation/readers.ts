import { closestMatch } from '@nvsentinel/errors';
import type { Timestamp } from '../model/types.js';
import { MAX_TIMESTAMP_SECONDS, MIN_TIMESTAMP_SECONDS, isValidTimestamp, parseRfc3339 } from '../model/timestamp.js';
import { childPath, describeType, indexPath, type ValidationIssue } from './issues.js';
import { keyPath, quoteShort, quoteValue } from './text.js';

/**
 * Readers for proto3 JSON input. Each one checks a single value, records every problem it finds
 * in the shared issue list (so callers see all problems at once, not the first), and returns
 * undefined for a value it rejected. null means "absent" as in proto3 JSON.
 */
export class Issues {
  readonly list: ValidationIssue[] = [];

  add(path: string, message: string): undefined {
    this.list.push({ path, message });
    return undefined;
  }
}

export type JsonObject = Record<string, unknown>;

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isAbsent(value: unknown): value is null | undefined {
  return value === undefined || value === null;
}

export function readObject(value: unknown, path: string, issues: Issues): JsonObject | undefined {
  if (isJsonObject(value)) return value;
  return issues.add(path, `expected object, got ${describeType(value)}`);
}

export function readString(value: unknown, path: string, issues: Issues): string | undefined {
  if (typeof value === 'string') return value;
  return issues.add(path, `expected string, got ${describeType(value)}`);
}

export function readBoolean(value: unknown, path: string, issues: Issues): boolean | undefined {
  if (typeof value === 'boolean') return value;
  return issues.add(path, `expected boolean, got ${describeType(value)}`);
}

const MAX_UINT32 = 0xffff_ffff;

/** uint32 as a JSON number or (as proto3 JSON allows) a decimal string. */
export function readUint32(value: unknown, path: string, issues: Issues): number | undefined {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= MAX_UINT32) return n;
  if (typeof n === 'number') return issues.add(path, `expected integer between 0 and ${MAX_UINT32}, got ${n}`);
  return issues.add(path, `expected integer, got ${describeType(value)}`);
}

/** An enum by proto name or by number; only the values upstream defines are accepted. */
export function readEnum(
  value: unknown,
  path: string,
  values: Readonly<Record<string, number>>,
  issues: Issues,
): number | undefined {
  if (typeof value === 'string') {
    if (Object.hasOwn(values, value)) return values[value];
    return issues.add(path, `unknown value ${quoteShort(value)} (expected one of ${Object.keys(values).join(', ')})`);
  }
  if (typeof value === 'number') {
    if (Object.values(values).includes(value)) return value;
    const numbered = Object.entries(values)
      .map(([name, n]) => `${name}=${n}`)
      .join(', ');
    return issues.add(path, `unknown value ${value} (expected one of ${numbered})`);
  }
  return issues.add(path, `expected enum name or number, got ${describeType(value)}`);
}

/** An array whose elements are read by `readItem`; null elements are errors. */
export function readArray<T>(
  value: unknown,
  path: string,
  issues: Issues,
  what: string,
  readItem: (item: unknown, itemPath: string) => T | undefined,
): T[] | undefined {
  if (!Array.isArray(value)) return issues.add(path, `expected array of ${what}, got ${describeType(value)}`);
  const items: T[] = [];
  let failed = false;
  value.forEach((item, i) => {
    const read = readItem(item, indexPath(path, i));
    if (read === undefined) failed = true;
    else items.push(read);
  });
  return failed ? undefined : items;
}

/** map<string,string>: a JSON object whose values are all strings. */
export function readStringMap(value: unknown, path: string, issues: Issues): Record<string, string> | undefined {
  const obj = readObject(value, path, issues);
  if (!obj) return undefined;
  let failed = false;
  const entries: [string, string][] = [];
  for (const [key, v] of Object.entries(obj)) {
    if (typeof v === 'string') entries.push([key, v]);
    else {
      failed = true;
      issues.add(keyPath(path, key), `expected string value, got ${describeType(v)}`);
    }
  }
  return failed ? undefined : Object.fromEntries(entries);
}

/**
 * google.protobuf.Timestamp: an RFC 3339 string (proto3 JSON) or `{seconds, nanos}` (the shape
 * monitors built from the Go struct send, and how documents store it).
 */
export function readTimestamp(value: unknown, path: string, issues: Issues): Timestamp | undefined {
  if (typeof value === 'string') {
    const ts = parseRfc3339(value);
    if (ts) return ts;
    return issues.add(
      path,
      `invalid timestamp ${quoteShort(value)} (expected RFC 3339, e.g. '2026-01-02T03:04:05.123Z')`,
    );
  }
  if (!isJsonObject(value)) {
    return issues.add(path, `expected RFC 3339 string or {seconds, nanos}, got ${describeType(value)}`);
  }
  const before = issues.list.length;
  rejectUnknownKeys(value, path, ['seconds', 'nanos'], issues);
  // Inside a timestamp null is not "absent": `{"seconds": null}` would otherwise become 1970.
  // seconds is required (a timestamp without it is not an instant); nanos defaults to 0.
  const seconds =
    value.seconds === undefined
      ? issues.add(childPath(path, 'seconds'), 'required (integer seconds since 1970-01-01T00:00:00Z)')
      : readInt64(value.seconds, childPath(path, 'seconds'), issues);
  const nanos = value.nanos === undefined ? 0 : readInt64(value.nanos, childPath(path, 'nanos'), issues);
  if (seconds === undefined || nanos === undefined || issues.list.length > before) return undefined;
  const ts = { seconds, nanos };
  if (isValidTimestamp(ts)) return ts;
  if (nanos < 0 || nanos > 999_999_999)
    return issues.add(childPath(path, 'nanos'), `must be between 0 and 999999999, got ${nanos}`);
  return issues.add(
    childPath(path, 'seconds'),
    `must be between ${MIN_TIMESTAMP_SECONDS} and ${MAX_TIMESTAMP_SECONDS} (years 0001..9999), got ${seconds}`,
  );
}

function readInt64(value: unknown, path: string, issues: Issues): number | undefined {
  const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  if (typeof n === 'number' && Number.isSafeInteger(n)) return n;
  if (typeof n === 'number') return issues.add(path, `expected integer, got ${n}`);
  if (typeof value === 'string') return issues.add(path, `expected integer, got ${quoteValue(value)}`);
  return issues.add(path, `expected integer, got ${describeType(value)}`);
}

/** Records one issue per key of `obj` that is not in `known`. */
function rejectUnknownKeys(obj: JsonObject, path: string, known: readonly string[], issues: Issues): void {
  for (const key of Object.keys(obj)) {
    if (!known.includes(key)) reportUnknownKey(key, path, known, issues);
  }
}

/** Records an unknown field, suggesting the known key it most plausibly misspells. */
export function reportUnknownKey(key: string, path: string, known: readonly string[], issues: Issues): void {
  // Edit distance on a huge key would cost more than it could ever suggest.
  const suggestion = key.length <= 64 ? closestKey(key, known) : undefined;
  const hint = suggestion ? ` (did you mean '${suggestion}'?)` : ` (known fields: ${known.join(', ')})`;
  issues.add(keyPath(path, key), `unknown field${hint}`);
}

/** The known key that `key` most plausibly misspells: same letters ignoring case/underscores, or edit distance ≤ 2. */
function closestKey(key: string, known: readonly string[]): string | undefined {
  return closestMatch(key, known, { normalize: (s) => s.replaceAll(/[_-]/g, '').toLowerCase() });
}
