/**
 * TEST ONLY (see match-js.ts). In-process evaluation of the aggregation expressions that filters use in `$expr` (the subset
 * change-stream pipelines need). Mirrors expression.ts; anything outside the subset raises
 * `unsupported_pipeline` rather than guessing.
 */
import { invalid, unsupported } from '../../query/sql/errors.js';
import { isPlainObject } from '../../query/sql/encode.js';
import { bsonCompare, bsonEquals } from './bson-order.js';

type Vars = Record<string, unknown>;
const location = { stage: 'matchesFilter' };

const JS_EXPRESSIONS = [
  '$literal',
  '$eq',
  '$ne',
  '$gt',
  '$gte',
  '$lt',
  '$lte',
  '$cmp',
  '$and',
  '$or',
  '$not',
  '$in',
  '$size',
  '$isArray',
  '$getField',
  '$objectToArray',
  '$filter',
  '$map',
  '$ifNull',
  '$cond',
  '$anyElementTrue',
];

export function truthy(v: unknown): boolean {
  return !(v === undefined || v === null || v === false || v === 0);
}

/** `$a.b` semantics (nvsq_get): arrays map the rest of the path, dropping missing results. */
function getPath(value: unknown, parts: string[]): unknown {
  if (parts.length === 0) return value;
  if (Array.isArray(value)) {
    return value.flatMap((e) => {
      if (!isPlainObject(e) && !Array.isArray(e)) return [];
      const r = getPath(e, parts);
      return r === undefined ? [] : [r];
    });
  }
  if (isPlainObject(value))
    return getPath(Object.prototype.hasOwnProperty.call(value, parts[0]) ? value[parts[0]] : undefined, parts.slice(1));
  return undefined;
}

function list(arg: unknown, n: number, op: string): unknown[] {
  const l = Array.isArray(arg) ? arg : [arg];
  if (l.length !== n) throw invalid(`${op} takes ${n} argument(s)`, { ...location, operator: op });
  return l;
}

export function evaluateExpression(expr: unknown, vars: Vars): unknown {
  if (typeof expr === 'string') {
    if (expr.startsWith('$$')) {
      const [name, ...rest] = expr.slice(2).split('.');
      if (name === 'REMOVE') return undefined;
      if (!(name in vars)) throw invalid(`unknown variable $$${name}`, location);
      return getPath(vars[name], rest);
    }
    if (expr.startsWith('$')) return getPath(vars.CURRENT, expr.slice(1).split('.'));
    return expr;
  }
  if (Array.isArray(expr)) return expr.map((e) => evaluateExpression(e, vars) ?? null);
  if (!isPlainObject(expr)) return expr;
  const keys = Object.keys(expr);
  if (keys.length === 0 || !keys[0].startsWith('$')) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(expr)) {
      const r = evaluateExpression(v, vars);
      if (r !== undefined) out[k] = r;
    }
    return out;
  }
  const op = keys[0];
  const arg = expr[op];
  const ev = (e: unknown, v: Vars = vars) => evaluateExpression(e, v);
  switch (op) {
    case '$literal':
      return arg;
    case '$eq':
    case '$ne':
    case '$gt':
    case '$gte':
    case '$lt':
    case '$lte':
    case '$cmp': {
      const [a, b] = list(arg, 2, op).map((x) => ev(x));
      const c = bsonCompare(a, b);
      return { $eq: c === 0, $ne: c !== 0, $gt: c > 0, $gte: c >= 0, $lt: c < 0, $lte: c <= 0, $cmp: c }[op];
    }
    case '$and':
      return (Array.isArray(arg) ? arg : [arg]).every((x) => truthy(ev(x)));
    case '$or':
      return (Array.isArray(arg) ? arg : [arg]).some((x) => truthy(ev(x)));
    case '$not':
      return !truthy(ev(list(arg, 1, op)[0]));
    case '$in': {
      const [v, arr] = list(arg, 2, op).map((x) => ev(x));
      if (!Array.isArray(arr))
        throw invalid('$in needs an array as its second argument', { ...location, operator: op });
      return arr.some((e) => bsonEquals(e, v));
    }
    case '$size': {
      const v = ev(list(arg, 1, op)[0]);
      if (!Array.isArray(v)) throw invalid('$size needs an array', { ...location, operator: op });
      return v.length;
    }
    case '$isArray':
      return Array.isArray(ev(list(arg, 1, op)[0]));
    case '$anyElementTrue': {
      const v = ev(list(arg, 1, op)[0]);
      return Array.isArray(v) && v.some(truthy);
    }
    case '$getField': {
      const field =
        typeof arg === 'string'
          ? arg
          : isPlainObject(arg)
            ? isPlainObject(arg.field)
              ? arg.field.$literal
              : arg.field
            : undefined;
      if (typeof field !== 'string')
        throw invalid('$getField field must be a constant string', { ...location, operator: op });
      const input = isPlainObject(arg) && 'input' in arg ? ev(arg.input) : vars.CURRENT;
      if (input === null || input === undefined) return null;
      return isPlainObject(input) && Object.prototype.hasOwnProperty.call(input, field) ? input[field] : undefined;
    }
    case '$objectToArray': {
      const v = ev(list(arg, 1, op)[0]);
      if (v === null || v === undefined) return null;
      if (!isPlainObject(v)) throw invalid('$objectToArray needs an object', { ...location, operator: op });
      return Object.entries(v).map(([k, val]) => ({ k, v: val }));
    }
    case '$filter':
    case '$map': {
      if (!isPlainObject(arg)) throw invalid(`${op} needs an object`, { ...location, operator: op });
      const input = ev(arg.input);
      if (input === null || input === undefined) return null;
      if (!Array.isArray(input)) throw invalid(`${op} input must be an array`, { ...location, operator: op });
      const name = typeof arg.as === 'string' ? arg.as : 'this';
      return op === '$filter'
        ? input.filter((e) => truthy(ev(arg.cond, { ...vars, [name]: e })))
        : input.map((e) => ev(arg.in, { ...vars, [name]: e }) ?? null);
    }
    case '$ifNull': {
      const l = Array.isArray(arg) ? arg : [arg];
      for (const x of l.slice(0, -1)) {
        const v = ev(x);
        if (v !== null && v !== undefined) return v;
      }
      return ev(l[l.length - 1]);
    }
    case '$cond': {
      const [i, t, e] = isPlainObject(arg) ? [arg.if, arg.then, arg.else] : list(arg, 3, op);
      return truthy(ev(i)) ? ev(t) : ev(e);
    }
    default:
      throw unsupported(
        `expression operator ${op} in matchesFilter`,
        { ...location, operator: op },
        `In-process $expr supports ${JS_EXPRESSIONS.join(' ')}; run the filter in SQL for the rest.`,
      );
  }
}
