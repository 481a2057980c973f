/**
 * TEST ONLY: the filter semantics of query/sql/filter.ts + sql-functions.ts, evaluated in-process
 * on a decoded canonical document (dates as `Date`). No production code calls it: it is a second,
 * independent reading of the SQL helpers that the differential specs compare with the compiled
 * SQL and with mingo, so a bug has to be made twice, the same way, to pass unnoticed.
 */
import { invalid, unsupported, type QueryLocation } from '../../query/sql/errors.js';
import { isOperatorObject, isPlainObject, splitPath } from '../../query/sql/encode.js';
import { regexSource, toPostgresRegex, type RegexSource } from '../../query/sql/regex.js';
import { evaluateExpression, truthy } from './expression-js.js';
import { bsonCompare, bsonEquals, bsonRank } from './bson-order.js';

const location: QueryLocation = { stage: 'matchesFilter' };

interface Candidate {
  value: unknown;
  missing: boolean;
  elem: boolean;
}

/** Mirrors nvsq_candidates. */
function candidates(
  value: unknown,
  parts: readonly string[],
  depth = 0,
  inner = false,
  out: Candidate[] = [],
): Candidate[] {
  if (depth === parts.length) {
    if (value === undefined && inner) return out;
    out.push({ value, missing: value === undefined, elem: false });
    if (Array.isArray(value)) for (const e of value) out.push({ value: e, missing: false, elem: true });
    return out;
  }
  const part = parts[depth];
  if (isPlainObject(value)) {
    candidates(
      Object.prototype.hasOwnProperty.call(value, part) ? value[part] : undefined,
      parts,
      depth + 1,
      inner,
      out,
    );
  } else if (Array.isArray(value)) {
    if (/^[0-9]{1,9}$/.test(part)) candidates(value[Number(part)], parts, depth + 1, inner, out);
    for (const e of value) {
      if (isPlainObject(e) && Object.prototype.hasOwnProperty.call(e, part)) candidates(e, parts, depth, true, out);
    }
  } else if (!inner) {
    out.push({ value: undefined, missing: true, elem: false });
  }
  return out;
}

export function matchDocument(filter: unknown, doc: unknown): boolean {
  if (!isPlainObject(filter)) throw invalid('a filter must be a plain object', location);
  return Object.entries(filter).every(([key, cond]) => {
    switch (key) {
      case '$and':
      case '$or':
      case '$nor': {
        if (!Array.isArray(cond) || cond.length === 0)
          throw invalid(`${key} needs a non-empty array of filters`, location);
        if (key === '$and') return cond.every((f) => matchDocument(f, doc));
        const any = cond.some((f) => matchDocument(f, doc));
        return key === '$or' ? any : !any;
      }
      case '$expr':
        return truthy(evaluateExpression(cond, { ROOT: doc, CURRENT: doc }));
      case '$comment':
        return true;
      default:
        if (key.startsWith('$'))
          throw unsupported(`query operator ${key}`, { ...location, operator: key }, 'See query/README.md.');
        return matchField(candidates(doc, splitPath(key, location)), cond);
    }
  });
}

function matchField(cands: Candidate[], cond: unknown): boolean {
  if (isPlainObject(cond) && Object.keys(cond).some((k) => k.startsWith('$'))) {
    if (!isOperatorObject(cond)) throw invalid('a condition mixes operators with plain fields', location);
    return matchOperators(cands, cond);
  }
  return equals(cands, cond);
}

const some = (cands: Candidate[], test: (v: unknown) => boolean, directOnly = false) =>
  cands.some((c) => !(directOnly && c.elem) && !c.missing && test(c.value));

function equals(cands: Candidate[], value: unknown): boolean {
  if (value === null || value === undefined) return cands.some((c) => c.missing || c.value === null);
  if (value instanceof RegExp) return some(cands, regexTest(regexSource(value, undefined, location)));
  return some(cands, (v) => bsonEquals(v, value));
}

function regexTest(source: RegexSource): (v: unknown) => boolean {
  toPostgresRegex(source, location); // same acceptance rules as SQL
  const re = new RegExp(source.pattern, source.options.replace('x', ''));
  return (v) => typeof v === 'string' && re.test(v);
}

function inList(cands: Candidate[], list: unknown): boolean {
  if (!Array.isArray(list)) throw invalid('$in/$nin need an array', location);
  return list.some((item) => equals(cands, item));
}

function matchOperators(cands: Candidate[], ops: Record<string, unknown>): boolean {
  return Object.entries(ops).every(([op, operand]) => {
    switch (op) {
      case '$eq':
        return equals(cands, operand);
      case '$ne':
        return !equals(cands, operand);
      case '$gt':
      case '$gte':
      case '$lt':
      case '$lte': {
        if (operand === null || operand === undefined)
          return op === '$gte' || op === '$lte' ? equals(cands, null) : false;
        const rank = bsonRank(operand);
        return some(cands, (v) => {
          if (bsonRank(v) !== rank) return false;
          const c = bsonCompare(v, operand);
          return op === '$gt' ? c > 0 : op === '$gte' ? c >= 0 : op === '$lt' ? c < 0 : c <= 0;
        });
      }
      case '$in':
        return inList(cands, operand);
      case '$nin':
        return !inList(cands, operand);
      case '$exists':
        return Boolean(operand) === cands.some((c) => !c.elem && !c.missing);
      case '$regex':
        return some(cands, regexTest(regexSource(operand, ops.$options, location)));
      case '$options':
        return true;
      case '$not':
        if (operand instanceof RegExp) return !some(cands, regexTest(regexSource(operand, undefined, location)));
        if (!isOperatorObject(operand))
          throw invalid('$not needs an operator object or a regular expression', location);
        return !matchOperators(cands, operand);
      case '$size':
        return some(cands, (v) => Array.isArray(v) && v.length === operand, true);
      case '$all':
        if (!Array.isArray(operand)) throw invalid('$all needs an array', location);
        return (
          operand.length > 0 &&
          operand.every((item) =>
            isPlainObject(item) && '$elemMatch' in item ? elemMatch(cands, item.$elemMatch) : equals(cands, item),
          )
        );
      case '$elemMatch':
        return elemMatch(cands, operand);
      case '$type': {
        const list = Array.isArray(operand) ? operand : [operand];
        return list.some((t) => typeMatches(cands, t));
      }
      case '$mod': {
        const [d, r] = (operand as number[]).map((n) => Math.trunc(n));
        return some(cands, (v) => typeof v === 'number' && Math.trunc(v) % d === r);
      }
      case '$comment':
        return true;
      default:
        throw unsupported(`query operator ${op}`, { ...location, operator: op }, 'See query/README.md.');
    }
  });
}

function elemMatch(cands: Candidate[], spec: unknown): boolean {
  if (!isPlainObject(spec)) throw invalid('$elemMatch needs an object', location);
  const keys = Object.keys(spec);
  const valueOperators =
    keys.length > 0 && keys.every((k) => k.startsWith('$') && !['$and', '$or', '$nor', '$expr'].includes(k));
  return some(
    cands,
    (arr) =>
      Array.isArray(arr) &&
      arr.some((e) =>
        valueOperators
          ? matchOperators([{ value: e, missing: e === undefined, elem: false }], spec)
          : isPlainObject(e) && matchDocument(spec, e),
      ),
    true,
  );
}

const TYPE_NAMES: Record<string | number, string> = {
  number: 'number',
  string: 'string',
  object: 'object',
  array: 'array',
  bool: 'bool',
  date: 'date',
  null: 'null',
  2: 'string',
  3: 'object',
  4: 'array',
  8: 'bool',
  9: 'date',
  10: 'null',
};

function typeMatches(cands: Candidate[], t: unknown): boolean {
  const name = TYPE_NAMES[t as string];
  if (!name)
    throw unsupported(
      `$type ${JSON.stringify(t)}`,
      location,
      "Use 'number', 'string', 'object', 'array', 'bool', 'date' or 'null'.",
    );
  switch (name) {
    case 'array':
      return some(cands, Array.isArray, true);
    case 'object':
      return some(cands, isPlainObject);
    case 'date':
      return some(cands, (v) => v instanceof Date);
    case 'bool':
      return some(cands, (v) => typeof v === 'boolean');
    case 'null':
      return some(cands, (v) => v === null);
    default:
      return some(cands, (v) => typeof v === name);
  }
}
