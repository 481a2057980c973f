/**
 * How canonical documents travel through JSON (PostgreSQL JSONB, HTTP): MongoDB Extended JSON's
 * date form. A `Date` becomes `{"$date": "2026-01-02T03:04:05.678Z"}` — fixed-width ISO-8601 in
 * UTC, so dates sort and compare correctly as text in SQL — and comes back as a `Date`.
 * Everything else is plain JSON. This is the only place that knows the encoding; the
 * pipeline→SQL translator relies on the same `$date` key to give dates their BSON type order.
 */
const DATE_KEY = '$date';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Canonical document value → JSON value. `undefined` members are dropped, like BSON. */
export function toJsonValue(value: unknown): JsonValue {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new TypeError('cannot encode an invalid Date');
    return { [DATE_KEY]: value.toISOString() };
  }
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : toJsonValue(v)));
  if (typeof value === 'object') {
    const out: { [key: string]: JsonValue } = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v !== undefined) out[k] = toJsonValue(v);
    }
    return out;
  }
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new TypeError(`cannot encode ${value} in JSON; use null or a finite number`);
  }
  return value as JsonValue;
}

/** True for the JSON encoding of a date. */
export function isEncodedDate(value: unknown): value is { $date: string } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0] === DATE_KEY && typeof (value as { $date: unknown }).$date === 'string';
}

/** JSON value → canonical document value (dates revived). */
export function fromJsonValue(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(fromJsonValue);
  if (isEncodedDate(value)) return new Date(value.$date);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = fromJsonValue(v);
  return out;
}
