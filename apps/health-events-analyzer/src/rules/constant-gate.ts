/**
 * Rules open with "trigger gates": a `$match` whose `$expr` only compares the trigger's values
 * (after `this.` substitution), e.g. `{$eq: ["74", "74"]}`. When such a leading stage is false the
 * pipeline returns nothing on every provider, so the analyzer can skip the query. Most of the 22
 * rules gate on the trigger's XID or check, so for a typical event most rules end here.
 *
 * The evaluator knows only the operators the gates use and answers `UNKNOWN` for anything else
 * (a field path, another operator, a comparison with a missing value): then the query runs and
 * the datastore decides, so skipping never changes an outcome.
 */
const UNKNOWN = Symbol('unknown');
type Value = unknown;
type Vars = Record<string, Value>;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** MongoDB truthiness in expressions. */
function truthy(v: Value): boolean {
  return !(v === undefined || v === null || v === false || v === 0);
}

function equal(a: Value, b: Value): boolean | typeof UNKNOWN {
  if (a === undefined || b === undefined) return UNKNOWN; // missing sorts below null: leave it to the datastore
  if (a === null || b === null) return a === b;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b)) return false;
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) {
      const e = equal(a[i], b[i]);
      if (e !== true) return e;
    }
    return true;
  }
  if (typeof a === 'object' || typeof b === 'object') return UNKNOWN; // documents, dates: not needed by gates
  return a === b; // strings, numbers, booleans: equal only within one type, as in BSON
}

function evaluate(expr: Value, vars: Vars): Value | typeof UNKNOWN {
  if (typeof expr === 'string') {
    if (expr.startsWith('$$')) {
      const [name, ...path] = expr.slice(2).split('.');
      if (!(name in vars)) return UNKNOWN;
      let v: Value = vars[name];
      for (const p of path) {
        if (!isObject(v)) return UNKNOWN;
        v = v[p];
      }
      return v;
    }
    return expr.startsWith('$') ? UNKNOWN : expr; // a field path is not a constant
  }
  if (Array.isArray(expr)) {
    const out: Value[] = [];
    for (const e of expr) {
      const v = evaluate(e, vars);
      if (v === UNKNOWN) return UNKNOWN;
      out.push(v);
    }
    return out;
  }
  if (!isObject(expr)) return expr;
  const keys = Object.keys(expr);
  if (keys.length !== 1 || !keys[0].startsWith('$')) {
    const out: Record<string, Value> = {};
    for (const k of keys) {
      const v = evaluate(expr[k], vars);
      if (v === UNKNOWN) return UNKNOWN;
      out[k] = v;
    }
    return out;
  }
  const op = keys[0];
  const arg = expr[op];
  if (op === '$literal') return arg;
  if (op === '$filter' || op === '$map') return iterate(op, arg, vars);
  const args = evaluate(arg, vars);
  if (args === UNKNOWN) return UNKNOWN;
  const list = Array.isArray(args) ? args : [args];
  switch (op) {
    case '$eq':
    case '$ne': {
      if (list.length !== 2) return UNKNOWN;
      const e = equal(list[0], list[1]);
      return e === UNKNOWN ? UNKNOWN : op === '$eq' ? e : !e;
    }
    case '$in': {
      if (list.length !== 2 || !Array.isArray(list[1])) return UNKNOWN;
      let any = false;
      for (const item of list[1]) {
        const e = equal(list[0], item);
        if (e === UNKNOWN) return UNKNOWN;
        any ||= e;
      }
      return any;
    }
    case '$and':
      return list.every(truthy);
    case '$or':
      return list.some(truthy);
    case '$not':
      return list.length === 1 ? !truthy(list[0]) : UNKNOWN;
    case '$ifNull':
      return list.length === 2 ? (list[0] === null || list[0] === undefined ? list[1] : list[0]) : UNKNOWN;
    case '$arrayElemAt': {
      const [arr, index] = list;
      if (arr === null || arr === undefined) return null;
      if (!Array.isArray(arr) || typeof index !== 'number' || !Number.isInteger(index)) return UNKNOWN;
      const i = index < 0 ? arr.length + index : index;
      return i >= 0 && i < arr.length ? arr[i] : undefined;
    }
    case '$size':
      return list.length === 1 && Array.isArray(list[0]) ? list[0].length : UNKNOWN;
    default:
      return UNKNOWN;
  }
}

function iterate(op: '$filter' | '$map', arg: Value, vars: Vars): Value | typeof UNKNOWN {
  if (!isObject(arg)) return UNKNOWN;
  const input = evaluate(arg.input, vars);
  if (input === UNKNOWN) return UNKNOWN;
  if (input === null || input === undefined) return null;
  if (!Array.isArray(input)) return UNKNOWN;
  const name = typeof arg.as === 'string' ? arg.as : 'this';
  const out: Value[] = [];
  for (const element of input) {
    const v = evaluate(op === '$filter' ? arg.cond : arg.in, { ...vars, [name]: element });
    if (v === UNKNOWN) return UNKNOWN;
    if (op === '$map') out.push(v);
    else if (truthy(v)) out.push(element);
  }
  return out;
}

/**
 * True when a leading `$match` of the (substituted) pipeline is a `$expr` over constants that
 * is false: the pipeline then returns no document, whatever the datastore holds.
 */
export function gatedOut(pipeline: readonly Record<string, unknown>[]): boolean {
  for (const stage of pipeline) {
    const match = stage.$match;
    if (Object.keys(stage).length !== 1 || !isObject(match)) return false;
    if (Object.keys(match).length !== 1 || !('$expr' in match)) continue;
    const v = evaluate(match.$expr, {});
    if (v !== UNKNOWN && !truthy(v)) return true;
  }
  return false;
}
