import type { Timestamp } from '../model/types.js';
import { isValidTimestamp, parseRfc3339 } from '../model/timestamp.js';
import { childPath, describeType, indexPath, type ValidationIssue } from '../validation/issues.js';

/**
 * Lenient readers for stored documents. Stored data comes from several writers (our providers,
 * upstream's MongoDB codec, upstream's PostgreSQL protojson serialisation), so absent values
 * take their proto3 defaults, keys may be lowercase or camelCase, and numbers may arrive as
 * bigint, BSON Long or decimal strings. Anything that cannot mean a valid value is reported
 * through `fail` with the path of the field.
 */
export type Fail = (issue: ValidationIssue) => never;

export type PlainObject = Record<string, unknown>;

export function isPlainObject(value: unknown): value is PlainObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** A field located in a document: its value and the path it was found at. */
export interface Located {
  value: unknown;
  path: string;
}

/** Looks up the first of `keys` present in `obj` (canonical lowercase key first, then aliases). */
export function locate(obj: PlainObject, parentPath: string, keys: readonly string[]): Located {
  for (const key of keys) {
    if (Object.hasOwn(obj, key) && obj[key] !== undefined) {
      return { value: obj[key], path: childPath(parentPath, key) };
    }
  }
  return { value: undefined, path: childPath(parentPath, keys[0]) };
}

export function readObject(field: Located, fail: Fail): PlainObject {
  if (isPlainObject(field.value)) return field.value;
  return fail({ path: field.path, message: `expected object, got ${describeType(field.value)}` });
}

/** Absent or null → undefined; otherwise must be an object. */
export function readOptionalObject(field: Located, fail: Fail): PlainObject | undefined {
  if (field.value === undefined || field.value === null) return undefined;
  return readObject(field, fail);
}

export function readString(field: Located, fail: Fail): string {
  if (field.value === undefined || field.value === null) return '';
  if (typeof field.value === 'string') return field.value;
  return fail({ path: field.path, message: `expected string, got ${describeType(field.value)}` });
}

export function readBoolean(field: Located, fail: Fail): boolean {
  if (field.value === undefined || field.value === null) return false;
  if (typeof field.value === 'boolean') return field.value;
  return fail({ path: field.path, message: `expected boolean, got ${describeType(field.value)}` });
}

/** An integer, accepting number, bigint, BSON Long/Int32 (`toNumber`) or a decimal string. */
export function readInteger(field: Located, fail: Fail): number {
  const { value } = field;
  if (value === undefined || value === null) return 0;
  const n = toInteger(value);
  if (n !== undefined) return n;
  return fail({ path: field.path, message: `expected integer, got ${describeValue(value)}` });
}

/** An enum stored by number (canonical) or by name; unknown numbers are kept (proto3 enums are open). */
export function readEnum(field: Located, names: Readonly<Record<string, number>>, fail: Fail): number {
  if (typeof field.value === 'string' && !/^-?\d+$/.test(field.value)) {
    if (Object.hasOwn(names, field.value)) return names[field.value];
    return fail({
      path: field.path,
      message: `unknown value '${field.value}' (expected one of ${Object.keys(names).join(', ')})`,
    });
  }
  return readInteger(field, fail);
}

export function readStringArray(field: Located, fail: Fail): string[] {
  if (field.value === undefined || field.value === null) return [];
  if (!Array.isArray(field.value)) {
    return fail({ path: field.path, message: `expected array of strings, got ${describeType(field.value)}` });
  }
  return field.value.map((item, i) => readString({ value: item, path: indexPath(field.path, i) }, fail));
}

export function readArray(field: Located, fail: Fail): Located[] {
  if (field.value === undefined || field.value === null) return [];
  if (!Array.isArray(field.value)) {
    return fail({ path: field.path, message: `expected array, got ${describeType(field.value)}` });
  }
  return field.value.map((item, i) => ({ value: item, path: indexPath(field.path, i) }));
}

/** A string→string map; absent or null → {}. */
export function readStringRecord(field: Located, fail: Fail): Record<string, string> {
  const obj = readOptionalObject(field, fail);
  if (!obj) return {};
  const entries = Object.entries(obj).map(([key, value]): [string, string] => {
    if (typeof value !== 'string') {
      return fail({ path: childPath(field.path, key), message: `expected string, got ${describeType(value)}` });
    }
    return [key, value];
  });
  return Object.fromEntries(entries);
}

/** `{seconds, nanos}` (nanos may be absent) or an RFC 3339 string; absent or null → undefined. */
export function readTimestamp(field: Located, fail: Fail): Timestamp | undefined {
  const { value, path } = field;
  if (value === undefined || value === null) return undefined;
  let ts: Timestamp | undefined;
  if (typeof value === 'string') {
    ts = parseRfc3339(value);
  } else if (isPlainObject(value)) {
    ts = {
      seconds: readInteger(locate(value, path, ['seconds']), fail),
      nanos: readInteger(locate(value, path, ['nanos']), fail),
    };
  } else {
    return fail({ path, message: `expected timestamp {seconds, nanos}, got ${describeType(value)}` });
  }
  if (ts === undefined || !isValidTimestamp(ts)) {
    return fail({ path, message: `invalid timestamp ${describeValue(value)}` });
  }
  return ts;
}

/** A Date; also an ISO string, epoch milliseconds or Extended JSON `{$date}`. */
export function readDate(field: Located, fail: Fail): Date {
  const date = toDate(field.value);
  if (date) return date;
  return fail({ path: field.path, message: `expected date, got ${describeValue(field.value)}` });
}

/** Like readDate, but absent or null → null. */
export function readOptionalDate(field: Located, fail: Fail): Date | null {
  if (field.value === undefined || field.value === null) return null;
  return readDate(field, fail);
}

/** A document id: a string, or an object id (anything with toHexString(), e.g. BSON ObjectId). */
export function readId(field: Located, fail: Fail): string {
  const { value } = field;
  if (typeof value === 'string' && value !== '') return value;
  if (isPlainObjectLike(value) && typeof value.toHexString === 'function') {
    const hex: unknown = value.toHexString();
    if (typeof hex === 'string') return hex;
  }
  return fail({ path: field.path, message: `expected non-empty string id, got ${describeValue(value)}` });
}

function isPlainObjectLike(value: unknown): value is { toHexString?: unknown } {
  return typeof value === 'object' && value !== null;
}

function toInteger(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value === 'bigint') {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : undefined;
  }
  if (typeof value === 'string') return /^-?\d+$/.test(value) ? toInteger(Number(value)) : undefined;
  if (typeof value === 'object' && value !== null && 'toNumber' in value && typeof value.toNumber === 'function') {
    return toInteger(value.toNumber());
  }
  return undefined;
}

function toDate(value: unknown): Date | undefined {
  let date: Date | undefined;
  if (value instanceof Date) date = value;
  else if (typeof value === 'string' || typeof value === 'number') date = new Date(value);
  else if (isPlainObject(value) && Object.hasOwn(value, '$date')) return toDate(value.$date);
  else if (isPlainObject(value) && typeof value.$numberLong === 'string') return toDate(Number(value.$numberLong));
  if (date === undefined || Number.isNaN(date.getTime())) return undefined;
  return new Date(date.getTime());
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  return describeType(value);
}
