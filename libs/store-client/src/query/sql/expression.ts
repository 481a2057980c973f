/**
 * MongoDB aggregation expressions → SQL jsonb expressions.
 *
 * The compiled value is a jsonb SQL expression where SQL NULL stands for "missing" and the jsonb
 * `null` for an explicit null — the distinction MongoDB keeps (`$ifNull`, `$eq` of missing vs null,
 * `$push` skipping missing values). Booleans that feed SQL conditions are compiled straight to SQL
 * booleans by `compileBoolExpression` so `$expr` filters stay index- and planner-friendly.
 */
import { sql, type RawBuilder } from './fragment.js';
import { invalid, unsupported, type QueryLocation } from './errors.js';
import { isPlainObject, jsonParam, nameText, pathParam, textParam } from './encode.js';
import { freshAlias, navigate, plainPathCheck, type CompileContext } from './context.js';
import { regexSource, toPostgresRegex } from './regex.js';
import { dateFormatToPostgres } from './date-format.js';
import { sortKey } from './sort-key.js';
import { constantOf } from './constant.js';

type Sql = RawBuilder<unknown>;

export interface Scope {
  readonly ctx: CompileContext;
  readonly location: QueryLocation;
  /** Variables by name without `$$` (ROOT, CURRENT, this, user `let`/`as` names). */
  readonly vars: Readonly<Record<string, Sql>>;
}

export function rootScope(doc: Sql, ctx: CompileContext, location: QueryLocation): Scope {
  return { ctx, location, vars: { ...ctx.vars, ROOT: repeatable(doc), CURRENT: repeatable(doc) } };
}

/** Fragments that cost (next to) nothing to repeat: column references, parameters, constants. */
const REPEATABLE = new WeakSet<object>();

/** Marks `x` as cheap to repeat (a column reference, a parameter, a constant). */
function repeatable<T extends RawBuilder<unknown>>(x: T): T {
  REPEATABLE.add(x);
  return x;
}

/**
 * `body(v)` with `v` the value of `x` computed once per evaluation. PostgreSQL does not share
 * common subexpressions, and most operators use their input more than once (a null test, then
 * the value): nested operators multiplied the input's SQL, e.g. a `$size` of a
 * `$setIntersection` of a `$map` over a `$filter` repeated the entity path more than a hundred
 * times (35 KB of SQL for one condition, evaluated per row). A scalar subquery over
 * `(SELECT x AS v OFFSET 0)` computes `x` once; OFFSET 0 keeps the planner from pulling the
 * subquery up, which would substitute `x` back into every use of `v`.
 */
function bindOnce<T>(x: Sql, ctx: CompileContext, body: (v: Sql) => RawBuilder<T>): RawBuilder<T> {
  if (REPEATABLE.has(x)) return body(x);
  const b = freshAlias(ctx, 'b');
  return sql<T>`(SELECT ${body(repeatable(sql`${b}.v`))} FROM (SELECT ${x} AS v OFFSET 0) AS ${b})`;
}

/** {@link bindOnce} for several values at once (one subquery). */
function bindAll<T>(xs: Sql[], ctx: CompileContext, body: (vs: Sql[]) => RawBuilder<T>): RawBuilder<T> {
  const pending = xs.map((x, i) => (REPEATABLE.has(x) ? -1 : i)).filter((i) => i >= 0);
  if (pending.length === 0) return body(xs);
  const b = freshAlias(ctx, 'b');
  const vs = xs.map((x, i) => (REPEATABLE.has(x) ? x : repeatable(sql`${b}.${sql.raw(`v${i}`)}`)));
  const columns = pending.map((i) => sql`${xs[i]} AS ${sql.raw(`v${i}`)}`);
  return sql<T>`(SELECT ${body(vs)} FROM (SELECT ${sql.join(columns)} OFFSET 0) AS ${b})`;
}

function withVars(scope: Scope, vars: Record<string, Sql>): Scope {
  return { ...scope, vars: { ...scope.vars, ...vars } };
}

const NULL_JSON = repeatable(sql`'null'::jsonb`);
const MISSING = repeatable(sql`NULL::jsonb`);

const SUPPORTED_EXPRESSIONS = [
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
  '$cond',
  '$ifNull',
  '$switch',
  '$in',
  '$size',
  '$isArray',
  '$add',
  '$subtract',
  '$multiply',
  '$divide',
  '$mod',
  '$abs',
  '$toString',
  '$toInt',
  '$toLong',
  '$toDouble',
  '$toDecimal',
  '$toDate',
  '$toBool',
  '$toLower',
  '$toUpper',
  '$concat',
  '$arrayElemAt',
  '$first',
  '$last',
  '$filter',
  '$map',
  '$getField',
  '$objectToArray',
  '$arrayToObject',
  '$setIntersection',
  '$setUnion',
  '$anyElementTrue',
  '$allElementsTrue',
  '$dateToString',
  '$type',
  '$let',
  '$regexMatch',
  '$sum',
  '$avg',
  '$max',
  '$min',
  '$concatArrays',
  '$mergeObjects',
  '$split',
  '$strLenCP',
  '$substrCP',
  '$indexOfCP',
  '$trim',
  '$ltrim',
  '$rtrim',
  '$regexFind',
  '$reverseArray',
  '$slice',
  '$dateAdd',
  '$dateSubtract',
] as const;
const SUPPORTED_LIST = SUPPORTED_EXPRESSIONS.join(' ');

/** Compiles an expression to a jsonb SQL value (NULL = missing). */
export function compileExpression(expr: unknown, scope: Scope): Sql {
  if (typeof expr === 'string') return compileStringExpression(expr, scope);
  if (expr === null || expr === undefined || typeof expr !== 'object' || expr instanceof Date) {
    return repeatable(jsonParam(expr ?? null, scope.location));
  }
  if (expr instanceof RegExp) throw unsupported('a regular expression as a value', scope.location, 'Use $regexMatch.');
  if (Array.isArray(expr)) {
    if (expr.length === 0) return repeatable(sql`'[]'::jsonb`);
    // An array of constants (e.g. the XID list of {$in: [x, ["31", "45"]]}) is one parameter
    // instead of a jsonb_build_array call evaluated per row.
    if (isConstantValue(expr)) return repeatable(jsonParam(expr, scope.location));
    // Missing elements become null inside an array literal, as in MongoDB.
    return sql`jsonb_build_array(${sql.join(expr.map((e) => compileExpression(e, scope)))})`;
  }
  if (!isPlainObject(expr)) throw invalid('expressions must be plain values, arrays or objects', scope.location);
  const keys = Object.keys(expr);
  const operators = keys.filter((k) => k.startsWith('$'));
  if (operators.length === 0) return objectLiteral(expr, scope);
  if (keys.length !== 1) {
    throw invalid(`an expression object must have exactly one operator, found ${keys.join(', ')}`, scope.location);
  }
  const op = operators[0];
  return compileOperator(op, expr[op], { ...scope, location: { ...scope.location, operator: op } });
}

/** Compiles an expression used as a condition to a SQL boolean (MongoDB truthiness). */
export function compileBoolExpression(expr: unknown, scope: Scope): RawBuilder<boolean> {
  if (isPlainObject(expr) && Object.keys(expr).length === 1) {
    const [op] = Object.keys(expr);
    const loc = { ...scope.location, operator: op };
    const s = { ...scope, location: loc };
    const arg = expr[op];
    switch (op) {
      case '$eq':
      case '$ne':
      case '$gt':
      case '$gte':
      case '$lt':
      case '$lte':
        return comparison(op, args(arg, 2, 2, loc), s);
      case '$and':
      case '$or': {
        const parts = args(arg, 0, Infinity, loc).map((a) => compileBoolExpression(a, s));
        if (parts.length === 0) return op === '$and' ? sql<boolean>`TRUE` : sql<boolean>`FALSE`;
        return sql<boolean>`(${sql.join(parts, op === '$and' ? sql` AND ` : sql` OR `)})`;
      }
      case '$not':
        return sql<boolean>`(NOT ${compileBoolExpression(args(arg, 1, 1, loc)[0], s)})`;
      case '$in':
        return inArray(args(arg, 2, 2, loc), s);
      case '$regexMatch':
        return regexMatch(arg, s);
      default:
        break;
    }
  }
  return sql<boolean>`nvsq_truthy(${compileExpression(expr, scope)})`;
}

function boolToJson(b: RawBuilder<boolean>): Sql {
  return sql`to_jsonb(${b})`;
}

function compileStringExpression(expr: string, scope: Scope): Sql {
  if (expr.startsWith('$$')) {
    const [name, ...rest] = expr.slice(2).split('.');
    if (name === 'REMOVE') return MISSING;
    if (name === 'NOW') {
      return sql`jsonb_build_object('$date', to_char(statement_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))`;
    }
    const base = scope.vars[name];
    if (!base) {
      throw invalid(
        `unknown variable $$${name}; defined here: ${Object.keys(scope.vars)
          .map((v) => '$$' + v)
          .join(', ')}`,
        scope.location,
      );
    }
    return fieldPath(base, rest, scope);
  }
  if (expr.startsWith('$')) {
    const parts = expr.slice(1).split('.');
    if (parts.some((p) => p.length === 0 || p.startsWith('$')))
      throw invalid(`"${expr}" is not a valid field path`, scope.location);
    return fieldPath(scope.vars.CURRENT, parts, scope);
  }
  return repeatable(jsonParam(expr, scope.location));
}

/**
 * True when an expression is its own value: numbers, booleans, null, dates, strings that are not
 * field paths or variables, and arrays / operator-free objects of those.
 */
function isConstantValue(expr: unknown): boolean {
  if (expr === null || typeof expr === 'number' || typeof expr === 'boolean' || expr instanceof Date) return true;
  if (typeof expr === 'string') return !expr.startsWith('$');
  if (Array.isArray(expr)) return expr.every(isConstantValue);
  if (isPlainObject(expr)) return Object.entries(expr).every(([k, v]) => !k.startsWith('$') && isConstantValue(v));
  return false;
}

/** `$a.b.c` semantics: plain navigation unless an array is crossed, then `nvsq_get`. */
function fieldPath(base: Sql, parts: string[], scope: Scope): Sql {
  if (parts.length === 0) return base;
  for (const p of parts) if (p.length === 0) throw invalid('a field path has an empty component', scope.location);
  if (!REPEATABLE.has(base)) return bindOnce(base, scope.ctx, (b) => fieldPath(b, parts, scope));
  const plain = plainPathCheck(base, parts, scope.location);
  const direct = navigate(base, parts, scope.location);
  if (plain === null) return direct;
  return sql`(CASE WHEN ${plain} THEN ${direct} ELSE nvsq_get(${base}, ${pathParam(parts, scope.location)}) END)`;
}

function objectLiteral(obj: Record<string, unknown>, scope: Scope): Sql {
  const entries = Object.entries(obj);
  if (entries.length === 0) return sql`'{}'::jsonb`;
  const t = freshAlias(scope.ctx, 'o');
  const rows = entries.map(([k, v]) => {
    if (k.includes('.')) throw invalid(`field name "${k}" in an expression object cannot contain "."`, scope.location);
    return sql`(${nameText(k, scope.location)}, (${compileExpression(v, scope)})::jsonb)`;
  });
  return sql`(SELECT coalesce(jsonb_object_agg(${t}.k, ${t}.v), '{}'::jsonb) FROM (VALUES ${sql.join(rows)}) AS ${t}(k, v) WHERE ${t}.v IS NOT NULL)`;
}

/** Normalises an operator's argument to a list and checks its length. */
function args(arg: unknown, min: number, max: number, location: QueryLocation): unknown[] {
  const list = Array.isArray(arg) ? arg : [arg];
  if (list.length < min || list.length > max) {
    const want = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    throw invalid(`${location.operator ?? 'expression'} takes ${want} argument(s), got ${list.length}`, location);
  }
  return list;
}

function comparison(op: string, [a, b]: unknown[], scope: Scope): RawBuilder<boolean> {
  const left = compileExpression(a, scope);
  const right = compileExpression(b, scope);
  // Fast form for the common `field == literal scalar`: jsonb equality is MongoDB equality there.
  const scalar = (v: unknown) =>
    typeof v === 'number' || typeof v === 'boolean' || (typeof v === 'string' && !v.startsWith('$'));
  if ((op === '$eq' || op === '$ne') && (scalar(a) || scalar(b))) {
    const eq = sql<boolean>`coalesce(${left} = ${right}, FALSE)`;
    return op === '$eq' ? eq : sql<boolean>`(NOT ${eq})`;
  }
  const sqlOp = sql.raw({ $eq: '=', $ne: '<>', $gt: '>', $gte: '>=', $lt: '<', $lte: '<=' }[op] as string);
  // Typed fast path when one side is a constant number, string or date (analyzer time windows
  // such as {$gte: ["$createdAt", {$subtract: [now, 7d]}]}): compare natively when the other
  // side has the same type, fall back to the full BSON-order comparison otherwise.
  const [constant, flipped] = constantOf(b) ? [constantOf(b), false] : [constantOf(a), true];
  if (!constant) return sql<boolean>`(nvsq_cmp(${left}, ${right}) ${sqlOp} 0)`;
  const value = constant.value;
  if (typeof value !== 'number' && typeof value !== 'string' && !(value instanceof Date)) {
    return sql<boolean>`(nvsq_cmp(${left}, ${right}) ${sqlOp} 0)`;
  }
  const opFor = flipped
    ? sql.raw({ $eq: '=', $ne: '<>', $gt: '<', $gte: '<=', $lt: '>', $lte: '>=' }[op] as string)
    : sqlOp;
  return bindOnce(flipped ? right : left, scope.ctx, (other) => {
    const generic = flipped
      ? sql<boolean>`(nvsq_cmp(${left}, ${other}) ${sqlOp} 0)`
      : sql<boolean>`(nvsq_cmp(${other}, ${right}) ${sqlOp} 0)`;
    if (typeof value === 'number') {
      return sql<boolean>`(CASE WHEN jsonb_typeof(${other}) = 'number' THEN (${other})::numeric ${opFor} ${jsonParam(value, scope.location)}::numeric ELSE ${generic} END)`;
    }
    if (typeof value === 'string') {
      return sql<boolean>`(CASE WHEN jsonb_typeof(${other}) = 'string' THEN (${other} #>> '{}') COLLATE "C" ${opFor} ${textParam(value, scope.location)} COLLATE "C" ELSE ${generic} END)`;
    }
    return sql<boolean>`(CASE WHEN nvsq_is_date(${other}) THEN (${other} ->> '$date') COLLATE "C" ${opFor} ${textParam(value.toISOString(), scope.location)} COLLATE "C" ELSE ${generic} END)`;
  });
}

function inArray([value, array]: unknown[], scope: Scope): RawBuilder<boolean> {
  const v = compileExpression(value, scope);
  const arr = compileExpression(array, scope);
  const e = freshAlias(scope.ctx, 'e');
  // Bound first: the value would otherwise be computed again for every element of the array.
  return bindOnce(
    v,
    scope.ctx,
    (value) => sql<boolean>`EXISTS (SELECT 1 FROM jsonb_array_elements(${arr}) AS ${e}(val) WHERE ${e}.val = ${value})`,
  );
}

function regexMatch(arg: unknown, scope: Scope): RawBuilder<boolean> {
  if (!isPlainObject(arg)) throw invalid('$regexMatch needs { input, regex, options? }', scope.location);
  const source = regexSource(arg.regex, arg.options, scope.location);
  const pattern = textParam(toPostgresRegex(source, scope.location), scope.location);
  return bindOnce(
    compileExpression(arg.input, scope),
    scope.ctx,
    (input) => sql<boolean>`coalesce(jsonb_typeof(${input}) = 'string' AND (${input} #>> '{}') ~ ${pattern}, FALSE)`,
  );
}

function isNullish(v: Sql): RawBuilder<boolean> {
  return sql<boolean>`(${v} IS NULL OR ${v} = 'null'::jsonb)`;
}

/** Loops over an array expression: `(SELECT <select> FROM jsonb_array_elements(arr) WITH ORDINALITY e(val, o) <where>)`. */
function overArray(
  arrayExpr: Sql,
  scope: Scope,
  name: string,
  body: (element: Sql, inner: Scope, alias: Sql) => { select: Sql; where?: RawBuilder<boolean>; tail?: Sql },
): Sql {
  const e = freshAlias(scope.ctx, 'e');
  const element = repeatable(sql`${e}.val`);
  const inner = withVars(scope, { [name]: element });
  const { select, where, tail } = body(element, inner, e);
  return bindOnce(
    arrayExpr,
    scope.ctx,
    (arr) =>
      sql`(CASE WHEN ${isNullish(arr)} THEN 'null'::jsonb ELSE (SELECT ${select} FROM jsonb_array_elements(${arr}) WITH ORDINALITY AS ${e}(val, o)${where ? sql` WHERE ${where}` : sql``}${tail ?? sql``}) END)`,
  );
}

/** `body(x)` for a one-argument operator, with the argument computed once. */
function unary(arg: unknown, scope: Scope, body: (x: Sql) => Sql): Sql {
  return bindOnce(compileExpression(args(arg, 1, 1, scope.location)[0], scope), scope.ctx, body);
}

function numeric(v: Sql): Sql {
  return sql`(${v})::numeric`;
}

function compileOperator(op: string, arg: unknown, scope: Scope): Sql {
  const loc = scope.location;
  const one = () => compileExpression(args(arg, 1, 1, loc)[0], scope);
  switch (op) {
    case '$literal':
      return repeatable(jsonParam(arg, loc));
    case '$eq':
    case '$ne':
    case '$gt':
    case '$gte':
    case '$lt':
    case '$lte':
    case '$and':
    case '$or':
    case '$not':
    case '$in':
    case '$regexMatch':
      return boolToJson(compileBoolExpression({ [op]: arg }, scope));
    case '$cmp': {
      const [a, b] = args(arg, 2, 2, loc).map((x) => compileExpression(x, scope));
      return sql`to_jsonb(nvsq_cmp(${a}, ${b}))`;
    }
    case '$cond': {
      let parts: unknown[];
      if (isPlainObject(arg)) {
        if (!('if' in arg) || !('then' in arg) || !('else' in arg)) throw invalid('$cond needs if, then and else', loc);
        parts = [arg.if, arg.then, arg.else];
      } else parts = args(arg, 3, 3, loc);
      return sql`(CASE WHEN ${compileBoolExpression(parts[0], scope)} THEN ${compileExpression(parts[1], scope)} ELSE ${compileExpression(parts[2], scope)} END)`;
    }
    case '$switch': {
      if (!isPlainObject(arg) || !Array.isArray(arg.branches))
        throw invalid('$switch needs { branches: [{case, then}], default }', loc);
      const branches = arg.branches.map((b: unknown) => {
        if (!isPlainObject(b) || !('case' in b) || !('then' in b))
          throw invalid('each $switch branch needs case and then', loc);
        return sql`WHEN ${compileBoolExpression(b.case, scope)} THEN ${compileExpression(b.then, scope)}`;
      });
      if (branches.length === 0) throw invalid('$switch needs at least one branch', loc);
      if (!('default' in arg)) {
        throw unsupported(
          '$switch without default',
          loc,
          'Add a default (MongoDB raises a runtime error when no branch matches).',
        );
      }
      return sql`(CASE ${sql.join(branches, sql` `)} ELSE ${compileExpression(arg.default, scope)} END)`;
    }
    case '$ifNull': {
      const list = args(arg, 2, Infinity, loc).map((x) => compileExpression(x, scope));
      const last = list.pop() as Sql;
      return sql`coalesce(${sql.join(list.map((x) => sql`nullif(${x}, 'null'::jsonb)`))}, ${last})`;
    }
    case '$let': {
      if (!isPlainObject(arg) || !isPlainObject(arg.vars) || !('in' in arg))
        throw invalid('$let needs { vars: {...}, in: expr }', loc);
      const names = Object.keys(arg.vars).map((k) => validVarName(k, loc));
      const values = Object.values(arg.vars).map((v) => compileExpression(v, scope));
      // Each variable is computed once, however often `in` uses it.
      return bindAll(values, scope.ctx, (bound) =>
        compileExpression(arg.in, withVars(scope, Object.fromEntries(names.map((n, i) => [n, bound[i]])))),
      );
    }
    case '$size': {
      const x = one();
      return sql`to_jsonb(jsonb_array_length(${x}))`;
    }
    case '$isArray': {
      const x = one();
      return sql`to_jsonb(coalesce(jsonb_typeof(${x}) = 'array', FALSE))`;
    }
    case '$add':
    case '$multiply': {
      const list = args(arg, 1, Infinity, loc).map((x) => compileExpression(x, scope));
      const symbol = op === '$add' ? '+' : '*';
      return list
        .slice(1)
        .reduce(
          (acc, x) => sql`nvsq_arith(${symbol}::text, ${acc}, ${x})`,
          list.length === 1 ? sql`nvsq_arith('+', ${list[0]}, '0'::jsonb)` : list[0],
        );
    }
    case '$subtract':
    case '$divide':
    case '$mod': {
      const [a, b] = args(arg, 2, 2, loc).map((x) => compileExpression(x, scope));
      const symbol = { $subtract: '-', $divide: '/', $mod: '%' }[op];
      return sql`nvsq_arith(${symbol}::text, ${a}, ${b})`;
    }
    case '$abs':
      return unary(
        arg,
        scope,
        (x) => sql`(CASE WHEN ${isNullish(x)} THEN 'null'::jsonb ELSE to_jsonb(abs(${numeric(x)})) END)`,
      );
    case '$toString':
      return unary(
        arg,
        scope,
        (x) => sql`(CASE jsonb_typeof(${x})
        WHEN 'string' THEN ${x}
        WHEN 'number' THEN to_jsonb(trim_scale(${numeric(x)})::text)
        WHEN 'boolean' THEN to_jsonb((${x})::text)
        WHEN 'object' THEN (CASE WHEN nvsq_is_date(${x}) THEN ${x} -> '$date' END)
        WHEN 'null' THEN 'null'::jsonb END)`,
      );
    case '$toInt':
    case '$toLong':
    case '$toDouble':
    case '$toDecimal': {
      const integral = op === '$toInt' || op === '$toLong';
      return unary(arg, scope, (x) => {
        const fromNumber = integral ? sql`trunc(${numeric(x)})` : numeric(x);
        const fromString = sql`((${x} #>> '{}')::numeric)`;
        return sql`(CASE jsonb_typeof(${x})
        WHEN 'number' THEN to_jsonb(${fromNumber})
        WHEN 'string' THEN to_jsonb(${fromString})
        WHEN 'boolean' THEN to_jsonb(CASE WHEN ${x} = 'true'::jsonb THEN 1 ELSE 0 END)
        WHEN 'object' THEN (CASE WHEN nvsq_is_date(${x}) THEN to_jsonb(nvsq_date_ms(${x})) END)
        WHEN 'null' THEN 'null'::jsonb END)`;
      });
    }
    case '$toDate':
      return unary(
        arg,
        scope,
        (x) => sql`(CASE jsonb_typeof(${x})
        WHEN 'number' THEN nvsq_ms_date(${numeric(x)})
        WHEN 'string' THEN nvsq_ms_date(round(extract(epoch FROM (${x} #>> '{}')::timestamptz) * 1000))
        WHEN 'object' THEN (CASE WHEN nvsq_is_date(${x}) THEN ${x} END)
        WHEN 'null' THEN 'null'::jsonb END)`,
      );
    case '$toBool':
      return unary(
        arg,
        scope,
        (x) => sql`(CASE WHEN ${isNullish(x)} THEN 'null'::jsonb ELSE to_jsonb(nvsq_truthy(${x})) END)`,
      );
    case '$toLower':
    case '$toUpper': {
      const fn = sql.raw(op === '$toLower' ? 'lower' : 'upper');
      return unary(arg, scope, (x) => sql`to_jsonb(${fn}(CASE WHEN ${isNullish(x)} THEN '' ELSE ${x} #>> '{}' END))`);
    }
    case '$concat': {
      const list = args(arg, 0, Infinity, loc).map((x) => compileExpression(x, scope));
      if (list.length === 0) return sql`'""'::jsonb`;
      return bindAll(list, scope.ctx, (xs) => {
        const anyNull = sql.join(
          xs.map((x) => isNullish(x)),
          sql` OR `,
        );
        return sql`(CASE WHEN ${anyNull} THEN 'null'::jsonb ELSE to_jsonb(${sql.join(
          xs.map((x) => sql`(${x} #>> '{}')`),
          sql` || `,
        )}) END)`;
      });
    }
    case '$arrayElemAt': {
      const list = args(arg, 2, 2, loc).map((x) => compileExpression(x, scope));
      return bindAll(
        list,
        scope.ctx,
        ([arr, idx]) =>
          sql`(CASE WHEN ${isNullish(arr)} OR ${isNullish(idx)} THEN 'null'::jsonb ELSE ${arr} -> (${numeric(idx)})::int END)`,
      );
    }
    case '$first':
    case '$last':
      return unary(
        arg,
        scope,
        (arr) =>
          sql`(CASE WHEN ${isNullish(arr)} THEN 'null'::jsonb ELSE ${arr} -> ${op === '$first' ? 0 : -1}::int END)`,
      );
    case '$filter': {
      if (!isPlainObject(arg) || !('input' in arg) || !('cond' in arg))
        throw invalid('$filter needs { input, cond, as? }', loc);
      const name = validVarName(typeof arg.as === 'string' ? arg.as : 'this', loc);
      const input = compileExpression(arg.input, scope);
      const limit = arg.limit === undefined ? undefined : compileExpression(arg.limit, scope);
      if (!limit) {
        return overArray(input, scope, name, (element, inner, e) => ({
          select: sql`coalesce(jsonb_agg(${element} ORDER BY ${e}.o), '[]'::jsonb)`,
          where: compileBoolExpression(arg.cond, inner),
        }));
      }
      const e = freshAlias(scope.ctx, 'e');
      const l = freshAlias(scope.ctx, 'l');
      const where = compileBoolExpression(arg.cond, withVars(scope, { [name]: repeatable(sql`${e}.val`) }));
      return bindOnce(
        input,
        scope.ctx,
        (
          arr,
        ) => sql`(CASE WHEN ${isNullish(arr)} THEN 'null'::jsonb ELSE coalesce((SELECT jsonb_agg(${l}.val ORDER BY ${l}.o)
        FROM (SELECT ${e}.val, ${e}.o FROM jsonb_array_elements(${arr}) WITH ORDINALITY AS ${e}(val, o) WHERE ${where} ORDER BY ${e}.o LIMIT (${numeric(limit)})::int) AS ${l}), '[]'::jsonb) END)`,
      );
    }
    case '$map': {
      if (!isPlainObject(arg) || !('input' in arg) || !('in' in arg))
        throw invalid('$map needs { input, in, as? }', loc);
      const name = validVarName(typeof arg.as === 'string' ? arg.as : 'this', loc);
      const input = compileExpression(arg.input, scope);
      return overArray(input, scope, name, (_element, inner, e) => ({
        select: sql`coalesce(jsonb_agg(coalesce(${compileExpression(arg.in, inner)}, 'null'::jsonb) ORDER BY ${e}.o), '[]'::jsonb)`,
      }));
    }
    case '$anyElementTrue':
    case '$allElementsTrue': {
      const arr = compileExpression(args(arg, 1, 1, loc)[0], scope);
      const e = freshAlias(scope.ctx, 'e');
      return op === '$anyElementTrue'
        ? sql`to_jsonb(EXISTS (SELECT 1 FROM jsonb_array_elements(${arr}) AS ${e}(val) WHERE nvsq_truthy(${e}.val)))`
        : sql`to_jsonb(NOT EXISTS (SELECT 1 FROM jsonb_array_elements(${arr}) AS ${e}(val) WHERE NOT nvsq_truthy(${e}.val)))`;
    }
    case '$setIntersection':
    case '$setUnion': {
      const list = args(arg, 1, Infinity, loc).map((x) => compileExpression(x, scope));
      return bindAll(list, scope.ctx, (xs) => {
        const anyNull = sql.join(
          xs.map((x) => isNullish(x)),
          sql` OR `,
        );
        const sets = xs.map((x) => {
          const e = freshAlias(scope.ctx, 'e');
          return sql`SELECT ${e}.val FROM jsonb_array_elements(${x}) AS ${e}(val)`;
        });
        const combined = sql.join(sets, op === '$setIntersection' ? sql` INTERSECT ` : sql` UNION `);
        const s = freshAlias(scope.ctx, 's');
        return sql`(CASE WHEN ${anyNull} THEN 'null'::jsonb ELSE (SELECT coalesce(jsonb_agg(${s}.val), '[]'::jsonb) FROM (${combined}) AS ${s}(val)) END)`;
      });
    }
    case '$concatArrays': {
      const list = args(arg, 0, Infinity, loc).map((x) => compileExpression(x, scope));
      if (list.length === 0) return sql`'[]'::jsonb`;
      return bindAll(list, scope.ctx, (xs) => {
        const anyNull = sql.join(
          xs.map((x) => isNullish(x)),
          sql` OR `,
        );
        return sql`(CASE WHEN ${anyNull} THEN 'null'::jsonb ELSE ${sql.join(xs, sql` || `)} END)`;
      });
    }
    case '$getField': {
      let field: unknown;
      let input: Sql;
      if (typeof arg === 'string') {
        field = arg;
        input = scope.vars.CURRENT;
      } else if (isPlainObject(arg)) {
        field = isPlainObject(arg.field) && '$literal' in arg.field ? arg.field.$literal : arg.field;
        input = 'input' in arg ? compileExpression(arg.input, scope) : scope.vars.CURRENT;
      } else throw invalid('$getField needs a field name or { field, input }', loc);
      if (typeof field !== 'string') throw invalid('$getField field must be a constant string', loc);
      if (field.startsWith('$') && !(isPlainObject(arg) && isPlainObject(arg.field))) {
        throw invalid('$getField field starting with "$" must be wrapped in { $literal: ... }', loc);
      }
      // The name is one key even when it contains dots — MongoDB's own semantics for $getField.
      const key = nameText(field, loc);
      return bindOnce(
        input,
        scope.ctx,
        (x) =>
          sql`(CASE WHEN jsonb_typeof(${x}) = 'object' AND NOT nvsq_is_date(${x}) THEN ${x} -> ${key} WHEN ${isNullish(x)} THEN 'null'::jsonb END)`,
      );
    }
    case '$objectToArray': {
      const e = freshAlias(scope.ctx, 'e');
      return unary(
        arg,
        scope,
        (x) =>
          sql`(CASE WHEN ${isNullish(x)} THEN 'null'::jsonb ELSE (SELECT coalesce(jsonb_agg(jsonb_build_object('k', ${e}.key, 'v', ${e}.value)), '[]'::jsonb) FROM jsonb_each(${x}) AS ${e}) END)`,
      );
    }
    case '$arrayToObject': {
      const e = freshAlias(scope.ctx, 'e');
      return unary(
        arg,
        scope,
        (x) => sql`(CASE WHEN ${isNullish(x)} THEN 'null'::jsonb ELSE (SELECT coalesce(jsonb_object_agg(
          CASE WHEN jsonb_typeof(${e}.val) = 'array' THEN ${e}.val ->> 0 ELSE ${e}.val ->> 'k' END,
          CASE WHEN jsonb_typeof(${e}.val) = 'array' THEN ${e}.val -> 1 ELSE ${e}.val -> 'v' END), '{}'::jsonb)
        FROM jsonb_array_elements(${x}) AS ${e}(val)) END)`,
      );
    }
    case '$mergeObjects': {
      const list = args(arg, 1, Infinity, loc).map((x) => compileExpression(x, scope));
      return bindAll(list, scope.ctx, (xs) =>
        xs.reduce<Sql>(
          (acc, x) => sql`(${acc} || (CASE WHEN jsonb_typeof(${x}) = 'object' THEN ${x} ELSE '{}'::jsonb END))`,
          sql`'{}'::jsonb`,
        ),
      );
    }
    case '$sum':
    case '$avg':
    case '$max':
    case '$min': {
      // Array-operand form: one array argument aggregates its elements; several arguments aggregate themselves.
      const list = Array.isArray(arg) ? arg.map((x) => compileExpression(x, scope)) : null;
      const e = freshAlias(scope.ctx, 'e');
      const reduce = (source: Sql): Sql => {
        if (op === '$sum' || op === '$avg') {
          const agg = op === '$sum' ? sql`coalesce(sum((${e}.val)::numeric), 0)` : sql`avg((${e}.val)::numeric)`;
          return sql`(SELECT coalesce(to_jsonb(trim_scale(${agg})), 'null'::jsonb) FROM jsonb_array_elements(${source}) AS ${e}(val) WHERE jsonb_typeof(${e}.val) = 'number')`;
        }
        const order = op === '$max' ? sql`DESC` : sql`ASC`;
        return sql`(SELECT coalesce((array_agg(${e}.val ORDER BY ${sortKey(sql`${e}.val`, order)}))[1], 'null'::jsonb) FROM jsonb_array_elements(${source}) AS ${e}(val) WHERE ${e}.val IS NOT NULL AND ${e}.val <> 'null'::jsonb)`;
      };
      if (list) return reduce(sql`jsonb_build_array(${sql.join(list)})`);
      return bindOnce(compileExpression(arg, scope), scope.ctx, (values) =>
        reduce(sql`(CASE WHEN jsonb_typeof(${values}) = 'array' THEN ${values} ELSE jsonb_build_array(${values}) END)`),
      );
    }
    case '$split': {
      const [input, delim] = args(arg, 2, 2, loc).map((x) => compileExpression(x, scope));
      const e = freshAlias(scope.ctx, 'e');
      return bindOnce(
        input,
        scope.ctx,
        (str) => sql`(CASE WHEN ${isNullish(str)} THEN 'null'::jsonb ELSE (SELECT jsonb_agg(${e}.part ORDER BY ${e}.o)
        FROM unnest(string_to_array(${str} #>> '{}', ${delim} #>> '{}')) WITH ORDINALITY AS ${e}(part, o)) END)`,
      );
    }
    case '$strLenCP': {
      const x = one();
      return sql`to_jsonb(char_length(${x} #>> '{}'))`;
    }
    case '$substrCP': {
      const [input, start, count] = args(arg, 3, 3, loc).map((x) => compileExpression(x, scope));
      return bindOnce(
        input,
        scope.ctx,
        (str) =>
          sql`(CASE WHEN ${isNullish(str)} THEN '""'::jsonb ELSE to_jsonb(substr(${str} #>> '{}', (${numeric(start)})::int + 1, (${numeric(count)})::int)) END)`,
      );
    }
    case '$indexOfCP': {
      const [input, sub] = args(arg, 2, 2, loc).map((x) => compileExpression(x, scope));
      return bindOnce(
        input,
        scope.ctx,
        (str) =>
          sql`(CASE WHEN ${isNullish(str)} THEN 'null'::jsonb ELSE to_jsonb(strpos(${str} #>> '{}', ${sub} #>> '{}') - 1) END)`,
      );
    }
    case '$trim':
    case '$ltrim':
    case '$rtrim': {
      if (!isPlainObject(arg) || !('input' in arg)) throw invalid(`${op} needs { input, chars? }`, loc);
      const fn = sql.raw({ $trim: 'btrim', $ltrim: 'ltrim', $rtrim: 'rtrim' }[op] as string);
      // MongoDB's default trims whitespace including newlines and tabs.
      const chars =
        arg.chars === undefined
          ? sql`${' \t\n\r\f\v\u00a0'}::text`
          : sql`(${compileExpression(arg.chars, scope)} #>> '{}')`;
      return bindOnce(
        compileExpression(arg.input, scope),
        scope.ctx,
        (input) =>
          sql`(CASE WHEN ${isNullish(input)} THEN 'null'::jsonb ELSE to_jsonb(${fn}(${input} #>> '{}', ${chars})) END)`,
      );
    }
    case '$regexFind': {
      if (!isPlainObject(arg)) throw invalid('$regexFind needs { input, regex, options? }', loc);
      const source = regexSource(arg.regex, arg.options, loc);
      // Wrap the body (after the embedded options) in a group so the whole match is capture 1.
      const translated = toPostgresRegex(source, loc);
      const bodyStart = translated.indexOf(')') + 1;
      const pattern = textParam(`${translated.slice(0, bodyStart)}(${translated.slice(bodyStart)})`, loc);
      const m = freshAlias(scope.ctx, 'm');
      // {match, idx, captures} like MongoDB; idx counts code points from 0.
      return bindOnce(
        compileExpression(arg.input, scope),
        scope.ctx,
        (
          input,
        ) => sql`(CASE WHEN jsonb_typeof(${input}) IS DISTINCT FROM 'string' THEN 'null'::jsonb ELSE coalesce((SELECT jsonb_build_object(
          'match', ${m}.parts[1],
          'idx', strpos(${input} #>> '{}', ${m}.parts[1]) - 1,
          'captures', to_jsonb(${m}.parts[2:]))
        FROM (SELECT regexp_match(${input} #>> '{}', ${pattern}) AS parts) AS ${m} WHERE ${m}.parts IS NOT NULL), 'null'::jsonb) END)`,
      );
    }
    case '$reverseArray': {
      const e = freshAlias(scope.ctx, 'e');
      return unary(
        arg,
        scope,
        (x) =>
          sql`(CASE WHEN ${isNullish(x)} THEN 'null'::jsonb ELSE (SELECT coalesce(jsonb_agg(${e}.val ORDER BY ${e}.o DESC), '[]'::jsonb) FROM jsonb_array_elements(${x}) WITH ORDINALITY AS ${e}(val, o)) END)`,
      );
    }
    case '$slice': {
      const compiled = args(arg, 2, 3, loc).map((x) => compileExpression(x, scope));
      const e = freshAlias(scope.ctx, 'e');
      return bindAll(compiled, scope.ctx, (list) => {
        const [arr] = list;
        const len = sql`jsonb_array_length(${arr})`;
        // [arr, n]: first n (or last -n); [arr, position, n]: n from position (negative counts from the end).
        const from =
          list.length === 2
            ? sql`(CASE WHEN ${numeric(list[1])} >= 0 THEN 1 ELSE greatest(${len} + (${numeric(list[1])})::int + 1, 1) END)`
            : sql`(CASE WHEN ${numeric(list[1])} >= 0 THEN (${numeric(list[1])})::int + 1 ELSE greatest(${len} + (${numeric(list[1])})::int + 1, 1) END)`;
        const count = list.length === 2 ? sql`abs((${numeric(list[1])})::int)` : sql`(${numeric(list[2])})::int`;
        return sql`(CASE WHEN ${isNullish(arr)} THEN 'null'::jsonb ELSE (SELECT coalesce(jsonb_agg(${e}.val ORDER BY ${e}.o), '[]'::jsonb)
        FROM jsonb_array_elements(${arr}) WITH ORDINALITY AS ${e}(val, o) WHERE ${e}.o >= ${from} AND ${e}.o < ${from} + ${count}) END)`;
      });
    }
    case '$dateAdd':
    case '$dateSubtract': {
      if (!isPlainObject(arg) || !('startDate' in arg) || !('unit' in arg) || !('amount' in arg))
        throw invalid(`${op} needs { startDate, unit, amount }`, loc);
      if (typeof arg.unit !== 'string' || !DATE_UNITS.has(arg.unit)) {
        throw unsupported(
          `${op} unit ${JSON.stringify(arg.unit)}`,
          loc,
          `Supported units: ${[...DATE_UNITS].join(', ')} (as constants).`,
        );
      }
      const sign = op === '$dateAdd' ? sql`1` : sql`-1`;
      const unit = sql`${arg.unit === 'quarter' ? '3 months' : `1 ${arg.unit}`}::interval`;
      // Calendar arithmetic in UTC (month-end clamping as PostgreSQL intervals do, like MongoDB).
      return bindAll(
        [compileExpression(arg.startDate, scope), compileExpression(arg.amount, scope)],
        scope.ctx,
        ([
          start,
          amount,
        ]) => sql`(CASE WHEN ${isNullish(start)} OR ${isNullish(amount)} THEN 'null'::jsonb ELSE jsonb_build_object('$date', to_char(
        ((((${start} ->> '$date')::timestamptz) AT TIME ZONE 'UTC') + ${sign} * trunc(${numeric(amount)}) * ${unit}),
        'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) END)`,
      );
    }
    case '$type':
      return unary(
        arg,
        scope,
        (x) => sql`to_jsonb(CASE WHEN ${x} IS NULL THEN 'missing' ELSE CASE nvsq_rank(${x})
        WHEN 1 THEN 'null' WHEN 2 THEN (CASE WHEN ${numeric(x)} = trunc(${numeric(x)}) THEN 'int' ELSE 'double' END)
        WHEN 3 THEN 'string' WHEN 4 THEN 'object' WHEN 5 THEN 'array' WHEN 8 THEN 'bool' WHEN 9 THEN 'date' END END)`,
      );
    case '$dateToString': {
      if (!isPlainObject(arg) || !('date' in arg))
        throw invalid('$dateToString needs { date, format?, timezone?, onNull? }', loc);
      const format = arg.format === undefined ? '%Y-%m-%dT%H:%M:%S.%LZ' : arg.format;
      if (typeof format !== 'string')
        throw unsupported('$dateToString with a computed format', loc, 'Pass the format as a constant string.');
      const pattern = textParam(dateFormatToPostgres(format, loc), loc);
      const tz =
        arg.timezone === undefined ? sql`'UTC'::text` : sql`(${compileExpression(arg.timezone, scope)} #>> '{}')`;
      const onNull = arg.onNull === undefined ? NULL_JSON : compileExpression(arg.onNull, scope);
      return bindOnce(
        compileExpression(arg.date, scope),
        scope.ctx,
        (date) =>
          sql`(CASE WHEN ${isNullish(date)} THEN ${onNull} ELSE to_jsonb(to_char(((${date} ->> '$date')::timestamptz) AT TIME ZONE ${tz}, ${pattern})) END)`,
      );
    }
    default:
      throw unsupported(`expression operator ${op}`, loc, `Supported expression operators: ${SUPPORTED_LIST}.`);
  }
}

const DATE_UNITS = new Set(['millisecond', 'second', 'minute', 'hour', 'day', 'week', 'month', 'quarter', 'year']);

function validVarName(name: string, location: QueryLocation): string {
  if (!/^[a-z_][A-Za-z0-9_]*$/.test(name)) {
    throw invalid(
      `"${name}" is not a valid variable name (start with a lowercase letter, then letters, digits or _)`,
      location,
    );
  }
  return name;
}
