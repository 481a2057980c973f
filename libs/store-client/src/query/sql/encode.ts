/**
 * How filter/pipeline values and field names reach SQL. Values always travel as jsonb parameters.
 * A field name made only of ASCII letters, digits and `_` is written as a SQL literal (it cannot
 * end the quoted string or carry an escape); every other name travels as a text parameter, so no
 * name a caller passes changes the statement's shape. Literal names matter for speed: PostgreSQL
 * folds `'{healthevent,nodename}'::text[]` once at plan time, while `ARRAY[$1::text, $2::text]`
 * builds a new array for every row in a generic (prepared) plan.
 */
import { sql, type RawBuilder } from './fragment.js';
import { toJsonValue, type JsonValue } from '../../codec/ejson.js';
import { invalid, type QueryLocation } from './errors.js';

/** A value as a jsonb parameter (`$n::jsonb`), dates in their Extended-JSON form. */
export function jsonParam(value: unknown, location: QueryLocation): RawBuilder<unknown> {
  return sql`${encodeJson(value, location)}::jsonb`;
}

/** The JSON text of a value, refusing what PostgreSQL's jsonb cannot hold. */
function encodeJson(value: unknown, location: QueryLocation): string {
  let json: JsonValue;
  try {
    json = toJsonValue(value);
  } catch (err) {
    throw invalid(`cannot use this value in a query: ${(err as Error).message}`, location);
  }
  const text = JSON.stringify(json);
  // jsonb rejects U+0000 ("unsupported Unicode escape sequence"); say so before the server does.
  if (text.includes('\\u0000'))
    throw invalid('strings containing U+0000 cannot be stored or queried in PostgreSQL', location);
  return text;
}

/** A text parameter (field names, regex patterns), refusing U+0000 which PostgreSQL text cannot hold. */
export function textParam(value: string, location: QueryLocation): RawBuilder<unknown> {
  if (value.includes('\u0000')) throw invalid('names and patterns containing U+0000 are not allowed', location);
  return sql`${value}::text`;
}

/** Names that are safe as SQL literals as they stand: nothing to quote or escape. */
const PLAIN_NAME = /^[A-Za-z0-9_]+$/;

/** A field name as `text`: a literal when it is a plain name, else a parameter. */
export function nameText(name: string, location: QueryLocation): RawBuilder<unknown> {
  return PLAIN_NAME.test(name) ? sql.raw(`'${name}'::text`) : textParam(name, location);
}

/** A path as a `text[]`: one constant when every component is a plain name, else one parameter per component. */
export function pathParam(parts: readonly string[], location: QueryLocation): RawBuilder<unknown> {
  if (parts.length === 0) return sql`ARRAY[]::text[]`;
  // An unquoted NULL element of an array literal is SQL NULL, not the name "NULL".
  if (parts.every((p) => PLAIN_NAME.test(p) && p.toUpperCase() !== 'NULL'))
    return sql.raw(`'{${parts.join(',')}}'::text[]`);
  return sql`ARRAY[${sql.join(parts.map((p) => textParam(p, location)))}]`;
}

/**
 * Splits a dotted query path. MongoDB forbids empty components and (outside a few operators)
 * components starting with `$`; we refuse both so a typo never silently matches nothing.
 */
export function splitPath(path: string, location: QueryLocation): string[] {
  if (path.length === 0) throw invalid('an empty field name is not a valid path', location);
  const parts = path.split('.');
  for (const part of parts) {
    if (part.length === 0) throw invalid(`field path "${path}" has an empty component`, location);
    if (part.startsWith('$')) {
      throw invalid(`field path "${path}" has a component starting with "$"; use $getField for such keys`, location);
    }
  }
  return parts;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value) || value instanceof Date || value instanceof RegExp) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** True when every key of the object is an operator (`$…`) and there is at least one. */
export function isOperatorObject(value: unknown): value is Record<string, unknown> {
  if (!isPlainObject(value)) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((k) => k.startsWith('$'));
}
