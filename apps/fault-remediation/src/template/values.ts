/**
 * How Go values look to a template, modelled in JavaScript:
 * - `GoStruct`: a struct; reading a field it does not have is an error (Go: "can't evaluate field").
 * - `Map`: a Go map; a missing key is "no value" (`undefined`), printed `<no value>` as Go does.
 * - `GoEnum`: a protobuf enum; prints its name, compares by number.
 * - arrays (slices), strings, numbers, booleans, `null` (a nil pointer, printed `<nil>`).
 */
export class GoStruct {
  constructor(
    readonly typeName: string,
    readonly fields: Readonly<Record<string, unknown>>,
  ) {}

  has(name: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.fields, name);
  }
}

export class GoEnum {
  constructor(
    readonly typeName: string,
    readonly name: string,
    readonly value: number,
  ) {}
}

/** Go's notion of "true" for if/with/and/or/not: the zero value and empty collections are false. */
export function truth(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'string') return value.length > 0;
  if (Array.isArray(value)) return value.length > 0;
  if (value instanceof Map) return value.size > 0;
  if (value instanceof GoEnum) return value.value !== 0;
  return true;
}

/** fmt.Sprint of one value, as text/template prints an action's result. */
export function printValue(value: unknown): string {
  if (value === undefined) return '<no value>';
  if (value === null) return '<nil>';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof GoEnum) return value.name;
  if (Array.isArray(value)) return `[${value.map(printValue).join(' ')}]`;
  if (value instanceof Map) {
    const keys = [...value.keys()].sort();
    return `map[${keys.map((k) => `${String(k)}:${printValue(value.get(k))}`).join(' ')}]`;
  }
  if (value instanceof GoStruct) return `{${Object.values(value.fields).map(printValue).join(' ')}}`;
  return String(value);
}

/** A short Go-like type name for error messages. */
export function typeName(value: unknown): string {
  if (value === undefined) return 'no value';
  if (value === null) return 'nil';
  if (value instanceof GoStruct) return value.typeName;
  if (value instanceof GoEnum) return value.typeName;
  if (value instanceof Map) return 'map';
  if (Array.isArray(value)) return 'slice';
  if (typeof value === 'number') return 'int';
  return typeof value;
}

/** The number behind a value for comparisons (enums compare by number, as Go's eq does). */
export function comparable(value: unknown): unknown {
  return value instanceof GoEnum ? value.value : value;
}
