/**
 * MongoDB query filters → a SQL boolean over a jsonb document.
 *
 * Every field condition is evaluated over the path's *candidates* (see `nvsq_candidates`): the
 * values the dotted path reaches, crossing arrays element-wise, plus the elements of an array at
 * the end of the path. A condition matches when some candidate satisfies it; `$ne`/`$nin`/`$not`
 * are negations of the whole positive test, exactly as in MongoDB.
 */
import { sql, type RawBuilder } from './fragment.js';
import { invalid, unsupported, type QueryLocation } from './errors.js';
import { isOperatorObject, isPlainObject, jsonParam, pathParam, splitPath, textParam } from './encode.js';
import { freshAlias, navigate, plainPathCheck, type CompileContext, type IndexedPath } from './context.js';
import { regexSource, toPostgresRegex } from './regex.js';
import { compileBoolExpression, rootScope } from './expression.js';

const TRUE = sql<boolean>`TRUE`;
const FALSE = sql<boolean>`FALSE`;

type Cond = (value: RawBuilder<unknown>) => RawBuilder<boolean>;

/**
 * Where a field condition looks for values: a dotted path in a document, or (inside
 * `$elemMatch` with operators) the array element itself.
 */
interface Target {
  /** True when some candidate satisfies `cond`; `directOnly` skips the elements of a final array. */
  some(cond: Cond, directOnly: boolean): RawBuilder<boolean>;
  /** The dotted path, when the target is a path (used to find indexed columns). */
  path?: string;
}

function and(parts: RawBuilder<boolean>[]): RawBuilder<boolean> {
  if (parts.length === 0) return TRUE;
  if (parts.length === 1) return parts[0];
  return sql<boolean>`(${sql.join(parts, sql` AND `)})`;
}

function or(parts: RawBuilder<boolean>[]): RawBuilder<boolean> {
  if (parts.length === 0) return FALSE;
  if (parts.length === 1) return parts[0];
  return sql<boolean>`(${sql.join(parts, sql` OR `)})`;
}

function not(part: RawBuilder<boolean>): RawBuilder<boolean> {
  return sql<boolean>`(NOT ${part})`;
}

/** Compiles a whole filter document against `doc`. */
export function compileFilterNode(
  filter: unknown,
  doc: RawBuilder<unknown>,
  ctx: CompileContext,
  location: QueryLocation,
): RawBuilder<boolean> {
  if (!isPlainObject(filter))
    throw invalid('a filter must be a plain object such as { "healthevent.nodename": "n1" }', location);
  const parts: RawBuilder<boolean>[] = [];
  for (const [key, value] of Object.entries(filter)) {
    if (key.startsWith('$')) parts.push(compileTopLevelOperator(key, value, doc, ctx, { ...location, operator: key }));
    else parts.push(compileFieldCondition(pathTarget(doc, key, ctx, location), value, ctx, location));
  }
  return and(parts);
}

type TopLevelCompiler = (
  value: unknown,
  doc: RawBuilder<unknown>,
  ctx: CompileContext,
  location: QueryLocation,
) => RawBuilder<boolean>;

function logical(op: '$and' | '$or' | '$nor'): TopLevelCompiler {
  return (value, doc, ctx, location) => {
    if (!Array.isArray(value) || value.length === 0)
      throw invalid(`${op} needs a non-empty array of filters`, location);
    const parts = value.map((f) => compileFilterNode(f, doc, ctx, location));
    if (op === '$and') return and(parts);
    if (op === '$or') return or(parts);
    return not(or(parts));
  };
}

/** Operators that stand where a field name would (`{ $or: [...] }`). */
const TOP_LEVEL_OPERATORS: Record<string, TopLevelCompiler> = {
  $and: logical('$and'),
  $or: logical('$or'),
  $nor: logical('$nor'),
  $expr: (value, doc, ctx, location) => {
    const expr = compileBoolExpression(value, rootScope(doc, ctx, location));
    const implied = doc === ctx.sourceDoc ? impliedIndexedRanges(value, ctx) : [];
    return implied.length ? and([expr, ...implied]) : expr;
  },
  $comment: () => TRUE,
};

function compileTopLevelOperator(
  op: string,
  value: unknown,
  doc: RawBuilder<unknown>,
  ctx: CompileContext,
  location: QueryLocation,
): RawBuilder<boolean> {
  const compile = Object.hasOwn(TOP_LEVEL_OPERATORS, op) ? TOP_LEVEL_OPERATORS[op] : undefined;
  if (!compile)
    throw unsupported(
      `query operator ${op}`,
      location,
      `Supported query operators: ${SUPPORTED_QUERY_OPERATORS.join(' ')}.`,
    );
  return compile(value, doc, ctx, location);
}

/** A dotted path in `doc`, with a pure-SQL fast path when no array is crossed. */
function pathTarget(doc: RawBuilder<unknown>, path: string, ctx: CompileContext, location: QueryLocation): Target {
  const parts = splitPath(path, location);
  return {
    path,
    some(cond, directOnly) {
      const plain = plainPathCheck(doc, parts, location);
      const fast = someOfValue(navigate(doc, parts, location), cond, directOnly, ctx);
      if (plain === null) return fast;
      const alias = freshAlias(ctx, 'c');
      const elemFilter = directOnly ? sql` AND NOT ${alias}.elem` : sql``;
      const slow = sql<boolean>`EXISTS (SELECT 1 FROM nvsq_candidates(${doc}, ${pathParam(parts, location)}) AS ${alias} WHERE ${cond(sql`${alias}.val`)}${elemFilter})`;
      return sql<boolean>`(CASE WHEN ${plain} THEN ${fast} ELSE ${slow} END)`;
    },
  };
}

/** Candidates of one value: itself and, unless `directOnly`, its elements when it is an array. */
function someOfValue(
  value: RawBuilder<unknown>,
  cond: Cond,
  directOnly: boolean,
  ctx: CompileContext,
): RawBuilder<boolean> {
  const self = sql<boolean>`coalesce(${cond(value)}, FALSE)`;
  if (directOnly) return self;
  const e = freshAlias(ctx, 'e');
  return sql<boolean>`(${self} OR (CASE WHEN jsonb_typeof(${value}) = 'array' THEN EXISTS (SELECT 1 FROM jsonb_array_elements(${value}) AS ${e}(val) WHERE ${cond(sql`${e}.val`)}) ELSE FALSE END))`;
}

function compileFieldCondition(
  target: Target,
  condition: unknown,
  ctx: CompileContext,
  location: QueryLocation,
): RawBuilder<boolean> {
  if (isPlainObject(condition)) {
    const keys = Object.keys(condition);
    const operators = keys.filter((k) => k.startsWith('$'));
    if (operators.length > 0 && operators.length !== keys.length) {
      throw invalid(
        `a condition mixes operators (${operators.join(', ')}) with plain fields; use one or the other`,
        location,
      );
    }
    if (operators.length > 0) return compileOperators(target, condition, ctx, location);
  }
  return equals(target, condition, ctx, location);
}

/** Compiles one field operator; `ops` is the whole operator object (`$regex` reads `$options`). */
type FieldOperatorCompiler = (
  target: Target,
  operand: unknown,
  ops: Record<string, unknown>,
  ctx: CompileContext,
  loc: QueryLocation,
) => RawBuilder<boolean>;

const present: Cond = (v) => sql<boolean>`${v} IS NOT NULL`;

function rangeOperator(op: '$gt' | '$gte' | '$lt' | '$lte'): FieldOperatorCompiler {
  return (target, operand, _ops, ctx, loc) => range(target, op, operand, ctx, loc);
}

/** Operators inside a field condition (`{ field: { $gt: 1 } }`). */
const FIELD_OPERATORS: Record<string, FieldOperatorCompiler> = {
  $eq: (target, operand, _ops, ctx, loc) => {
    if (operand instanceof RegExp)
      throw unsupported('$eq with a regular expression', loc, 'Use $regex to match a pattern.');
    return equals(target, operand, ctx, loc);
  },
  $ne: (target, operand, _ops, ctx, loc) => {
    if (operand instanceof RegExp) throw invalid('$ne cannot take a regular expression; use { $not: /re/ }', loc);
    return not(equals(target, operand, ctx, loc));
  },
  $gt: rangeOperator('$gt'),
  $gte: rangeOperator('$gte'),
  $lt: rangeOperator('$lt'),
  $lte: rangeOperator('$lte'),
  $in: (target, operand, _ops, ctx, loc) => inList(target, operand, ctx, loc),
  $nin: (target, operand, _ops, ctx, loc) => not(inList(target, operand, ctx, loc)),
  $exists: (target, operand) => (operand ? target.some(present, true) : not(target.some(present, true))),
  $type: (target, operand, _ops, _ctx, loc) => typeCondition(target, operand, loc),
  $regex: (target, operand, ops, _ctx, loc) =>
    target.some(regexCond(regexSource(operand, ops.$options, loc), loc), false),
  $options: (_target, _operand, ops, _ctx, loc) => {
    if (!('$regex' in ops)) throw invalid('$options needs a $regex next to it', loc);
    return TRUE;
  },
  $not: (target, operand, _ops, ctx, loc) => {
    if (operand instanceof RegExp) return not(target.some(regexCond(regexSource(operand, undefined, loc), loc), false));
    if (isOperatorObject(operand)) return not(compileOperators(target, operand, ctx, loc));
    throw invalid('$not needs an operator object such as { $gt: 5 } or a regular expression', loc);
  },
  $size: (target, operand, _ops, _ctx, loc) => {
    if (typeof operand !== 'number' || !Number.isInteger(operand) || operand < 0) {
      throw invalid('$size needs a non-negative integer', loc);
    }
    return target.some(
      (v) =>
        sql<boolean>`(CASE WHEN jsonb_typeof(${v}) = 'array' THEN jsonb_array_length(${v}) = ${operand}::int ELSE FALSE END)`,
      true,
    );
  },
  $all: (target, operand, _ops, ctx, loc) => {
    if (!Array.isArray(operand)) throw invalid('$all needs an array', loc);
    if (operand.length === 0) return FALSE;
    return and(
      operand.map((item) =>
        isPlainObject(item) && Object.keys(item).length === 1 && '$elemMatch' in item
          ? elemMatch(target, item.$elemMatch, ctx, loc)
          : equals(target, item, ctx, loc),
      ),
    );
  },
  $elemMatch: (target, operand, _ops, ctx, loc) => elemMatch(target, operand, ctx, loc),
  $mod: (target, operand, _ops, _ctx, loc) => {
    if (
      !Array.isArray(operand) ||
      operand.length !== 2 ||
      !operand.every((n) => typeof n === 'number' && Number.isFinite(n))
    ) {
      throw invalid('$mod needs [divisor, remainder] numbers', loc);
    }
    const [divisor, remainder] = operand.map((n: number) => Math.trunc(n));
    if (divisor === 0) throw invalid('$mod divisor cannot be 0', loc);
    return target.some(
      (v) =>
        sql<boolean>`(CASE WHEN jsonb_typeof(${v}) = 'number' THEN mod(trunc((${v})::numeric), ${divisor}::numeric) = ${remainder}::numeric ELSE FALSE END)`,
      false,
    );
  },
  $comment: () => TRUE,
};

/** Every query operator the compiler accepts, read off the two operator tables. */
export const SUPPORTED_QUERY_OPERATORS: readonly string[] = [
  ...new Set([...Object.keys(FIELD_OPERATORS), ...Object.keys(TOP_LEVEL_OPERATORS)]),
];

function compileOperators(
  target: Target,
  ops: Record<string, unknown>,
  ctx: CompileContext,
  location: QueryLocation,
): RawBuilder<boolean> {
  const parts: RawBuilder<boolean>[] = [];
  for (const [op, operand] of Object.entries(ops)) {
    const loc = { ...location, operator: op };
    const compile = Object.hasOwn(FIELD_OPERATORS, op) ? FIELD_OPERATORS[op] : undefined;
    if (!compile)
      throw unsupported(
        `query operator ${op}`,
        loc,
        `Supported query operators: ${SUPPORTED_QUERY_OPERATORS.join(' ')}.`,
      );
    parts.push(compile(target, operand, ops, ctx, loc));
  }
  return and(parts);
}

/** MongoDB equality: null matches null and missing, a RegExp matches strings, else exact value. */
function equals(target: Target, value: unknown, ctx: CompileContext, location: QueryLocation): RawBuilder<boolean> {
  const column = indexedColumn(target, value, ctx);
  if (column) return column.eq;
  if (value === null || value === undefined)
    return target.some((v) => sql<boolean>`(${v} IS NULL OR ${v} = 'null'::jsonb)`, false);
  if (value instanceof RegExp) return target.some(regexCond(regexSource(value, undefined, location), location), false);
  const param = jsonParam(value, location);
  return target.some((v) => sql<boolean>`${v} = ${param}`, false);
}

function inList(target: Target, list: unknown, ctx: CompileContext, location: QueryLocation): RawBuilder<boolean> {
  if (!Array.isArray(list)) throw invalid('$in/$nin need an array', location);
  const indexed = indexedInList(target, list, ctx);
  if (indexed) return indexed;
  const conds: Cond[] = [];
  const plain: unknown[] = [];
  for (const item of list) {
    if (item === null || item === undefined) conds.push((v) => sql<boolean>`(${v} IS NULL OR ${v} = 'null'::jsonb)`);
    else if (item instanceof RegExp) conds.push(regexCond(regexSource(item, undefined, location), location));
    else if (isOperatorObject(item)) throw invalid('$in/$nin items cannot be operator objects', location);
    else plain.push(item);
  }
  if (plain.length > 0) {
    const params = plain.map((item) => jsonParam(item, location));
    conds.push((v) => sql<boolean>`${v} IN (${sql.join(params)})`);
  }
  if (conds.length === 0) return FALSE;
  return target.some((v) => or(conds.map((c) => c(v))), false);
}

/** $gt/$gte/$lt/$lte only compare values of the operand's BSON type bracket, like MongoDB. */
function range(
  target: Target,
  op: '$gt' | '$gte' | '$lt' | '$lte',
  operand: unknown,
  ctx: CompileContext,
  location: QueryLocation,
): RawBuilder<boolean> {
  const sqlOp = sql.raw({ $gt: '>', $gte: '>=', $lt: '<', $lte: '<=' }[op]);
  const column = indexedRange(target, sqlOp, operand, ctx);
  if (column) return column;
  if (operand === null || operand === undefined) {
    return op === '$gte' || op === '$lte' ? equals(target, null, ctx, location) : FALSE;
  }
  if (operand instanceof RegExp) throw invalid(`${op} cannot compare with a regular expression`, location);
  if (typeof operand === 'number') {
    const p = jsonParam(operand, location);
    return target.some(
      (v) =>
        sql<boolean>`(CASE WHEN jsonb_typeof(${v}) = 'number' THEN (${v})::numeric ${sqlOp} (${p})::numeric ELSE FALSE END)`,
      false,
    );
  }
  if (typeof operand === 'string') {
    const p = textParam(operand, location);
    return target.some(
      (v) => sql<boolean>`(jsonb_typeof(${v}) = 'string' AND (${v} #>> '{}') COLLATE "C" ${sqlOp} ${p} COLLATE "C")`,
      false,
    );
  }
  if (typeof operand === 'boolean') {
    return target.some(
      (v) =>
        sql<boolean>`(CASE WHEN jsonb_typeof(${v}) = 'boolean' THEN (${v})::boolean ${sqlOp} ${operand}::boolean ELSE FALSE END)`,
      false,
    );
  }
  if (operand instanceof Date) {
    const p = textParam(operand.toISOString(), location);
    return target.some(
      (v) => sql<boolean>`(nvsq_is_date(${v}) AND (${v} ->> '$date') COLLATE "C" ${sqlOp} ${p} COLLATE "C")`,
      false,
    );
  }
  const p = jsonParam(operand, location);
  return target.some(
    (v) => sql<boolean>`(nvsq_rank(${v}) = nvsq_rank(${p}) AND nvsq_cmp(${v}, ${p}) ${sqlOp} 0)`,
    false,
  );
}

function regexCond(source: ReturnType<typeof regexSource>, location: QueryLocation): Cond {
  const pattern = textParam(toPostgresRegex(source, location), location);
  return (v) => sql<boolean>`(jsonb_typeof(${v}) = 'string' AND (${v} #>> '{}') ~ ${pattern})`;
}

const TYPE_ALIASES: Record<string, string> = {
  number: 'number',
  string: 'string',
  object: 'object',
  array: 'array',
  bool: 'bool',
  date: 'date',
  null: 'null',
};
const TYPE_CODES: Record<number, string> = { 2: 'string', 3: 'object', 4: 'array', 8: 'bool', 9: 'date', 10: 'null' };

function typeCondition(target: Target, operand: unknown, location: QueryLocation): RawBuilder<boolean> {
  const list = Array.isArray(operand) ? operand : [operand];
  const parts = list.map((t) => {
    const name = typeof t === 'number' ? TYPE_CODES[t] : typeof t === 'string' ? TYPE_ALIASES[t] : undefined;
    if (!name) {
      throw unsupported(
        `$type ${JSON.stringify(t)}`,
        location,
        "JSON storage keeps one number type, so use 'number' rather than 'double'/'int'/'long'/'decimal'; also supported: 'string', 'object', 'array', 'bool', 'date', 'null' (or codes 2, 3, 4, 8, 9, 10).",
      );
    }
    switch (name) {
      case 'array':
        return target.some((v) => sql<boolean>`jsonb_typeof(${v}) = 'array'`, true);
      case 'object':
        return target.some((v) => sql<boolean>`(jsonb_typeof(${v}) = 'object' AND NOT nvsq_is_date(${v}))`, false);
      case 'date':
        return target.some((v) => sql<boolean>`nvsq_is_date(${v})`, false);
      case 'bool':
        return target.some((v) => sql<boolean>`jsonb_typeof(${v}) = 'boolean'`, false);
      default:
        return target.some((v) => sql<boolean>`jsonb_typeof(${v}) = ${name}::text`, false);
    }
  });
  return or(parts);
}

function elemMatch(target: Target, spec: unknown, ctx: CompileContext, location: QueryLocation): RawBuilder<boolean> {
  if (!isPlainObject(spec)) throw invalid('$elemMatch needs an object', location);
  const keys = Object.keys(spec);
  const valueOperators =
    keys.length > 0 && keys.every((k) => k.startsWith('$') && !['$and', '$or', '$nor', '$expr'].includes(k));
  return target.some((arr) => {
    const e = freshAlias(ctx, 'm');
    const element = sql`${e}.val`;
    const test = valueOperators
      ? compileOperators({ some: (cond) => sql<boolean>`coalesce(${cond(element)}, FALSE)` }, spec, ctx, location)
      : sql<boolean>`(CASE WHEN jsonb_typeof(${element}) = 'object' THEN ${compileFilterNode(spec, element, ctx, location)} ELSE FALSE END)`;
    return sql<boolean>`(CASE WHEN jsonb_typeof(${arr}) = 'array' THEN EXISTS (SELECT 1 FROM jsonb_array_elements(${arr}) AS ${e}(val) WHERE ${test}) ELSE FALSE END)`;
  }, true);
}

// ---- indexed columns -------------------------------------------------------------------------

function indexedFor(target: Target, ctx: CompileContext) {
  return target.path !== undefined ? ctx.options.indexedPaths?.[target.path] : undefined;
}

/** The typed SQL literal for `value` when it fits the indexed column's type, else undefined. */
function columnValue(type: IndexedPath['type'], value: unknown): RawBuilder<unknown> | undefined {
  if (type === 'text' && typeof value === 'string' && !value.includes('\u0000')) return sql`${value}::text`;
  if (type === 'boolean' && typeof value === 'boolean') return sql`${value}::boolean`;
  if (type === 'timestamptz' && value instanceof Date && !Number.isNaN(value.getTime()))
    return sql`${value.toISOString()}::timestamptz`;
  if (type === 'numeric' && typeof value === 'number' && Number.isFinite(value)) return sql`${String(value)}::numeric`;
  return undefined;
}

function indexedColumn(target: Target, value: unknown, ctx: CompileContext): { eq: RawBuilder<boolean> } | undefined {
  const indexed = indexedFor(target, ctx);
  if (!indexed) return undefined;
  if (value === null) return { eq: sql<boolean>`(${indexed.column} IS NULL)` };
  const v = columnValue(indexed.type, value);
  // "col = v AND col IS NOT NULL" is never NULL (so NOT works) and keeps the index usable.
  return v ? { eq: sql<boolean>`(${indexed.column} = ${v} AND ${indexed.column} IS NOT NULL)` } : undefined;
}

function indexedInList(target: Target, list: unknown[], ctx: CompileContext): RawBuilder<boolean> | undefined {
  const indexed = indexedFor(target, ctx);
  if (!indexed) return undefined;
  const values: RawBuilder<unknown>[] = [];
  let withNull = false;
  for (const item of list) {
    if (item === null) withNull = true;
    else {
      const v = columnValue(indexed.type, item);
      if (!v) return undefined;
      values.push(v);
    }
  }
  const parts: RawBuilder<boolean>[] = [];
  if (values.length)
    parts.push(sql<boolean>`(${indexed.column} IN (${sql.join(values)}) AND ${indexed.column} IS NOT NULL)`);
  if (withNull) parts.push(sql<boolean>`(${indexed.column} IS NULL)`);
  return or(parts);
}

function indexedRange(
  target: Target,
  sqlOp: RawBuilder<unknown>,
  operand: unknown,
  ctx: CompileContext,
): RawBuilder<boolean> | undefined {
  const indexed = indexedFor(target, ctx);
  if (!indexed) return undefined;
  const v = columnValue(indexed.type, operand);
  if (!v) return undefined;
  const column = indexed.type === 'text' ? sql`${indexed.column} COLLATE "C"` : indexed.column;
  return sql<boolean>`(${column} ${sqlOp} ${v} AND ${indexed.column} IS NOT NULL)`;
}

// ---- indexed ranges implied by $expr ---------------------------------------------------------

type Bound = { op: '>' | '>=' | '<' | '<=' | '='; value: unknown };
const FLIPPED = { '>': '<', '>=': '<=', '<': '>', '<=': '>=', '=': '=' } as const;
const EXPR_COMPARISONS: Record<string, Bound['op']> = { $gt: '>', $gte: '>=', $lt: '<', $lte: '<=', $eq: '=' };

/**
 * `$expr` comparisons of an indexed path with a constant (e.g. the analyzer's
 * `{$gte: ["$healthevent.generatedtimestamp.seconds", {$subtract: [1700000000, 86400]}]}`), read
 * off the top-level `$and`, as extra predicates the index can serve. The `$expr` itself still
 * decides: each predicate is implied by it (a NULL column — a value of another type — passes),
 * so adding it never changes the result, only lets PostgreSQL read a range of the index instead
 * of every row of the node (upstream #1851). The bounds on one column become one predicate so a
 * single index range covers them.
 */
function impliedIndexedRanges(expr: unknown, ctx: CompileContext): RawBuilder<boolean>[] {
  const byPath = new Map<string, { indexed: IndexedPath; parts: RawBuilder<boolean>[] }>();
  const visit = (node: unknown): void => {
    if (!isPlainObject(node) || Object.keys(node).length !== 1) return;
    const [op] = Object.keys(node);
    const args = node[op];
    if (op === '$and' && Array.isArray(args)) return args.forEach(visit);
    const sqlOp = EXPR_COMPARISONS[op];
    if (!sqlOp || !Array.isArray(args) || args.length !== 2) return;
    const [a, b] = args;
    const left = fieldPath(a);
    const right = fieldPath(b);
    const bound =
      left !== undefined
        ? { path: left, op: sqlOp, value: constantValue(b) }
        : right !== undefined
          ? { path: right, op: FLIPPED[sqlOp], value: constantValue(a) }
          : undefined;
    if (!bound || bound.value === undefined) return;
    const indexed = ctx.options.indexedPaths?.[bound.path];
    if (!indexed) return;
    const v = columnValue(indexed.type, bound.value);
    if (!v) return;
    const entry = byPath.get(bound.path) ?? { indexed, parts: [] };
    entry.parts.push(sql<boolean>`${indexed.column} ${sql.raw(bound.op)} ${v}`);
    byPath.set(bound.path, entry);
  };
  visit(expr);
  return [...byPath.values()].map(({ indexed, parts }) => sql<boolean>`(${indexed.column} IS NULL OR ${and(parts)})`);
}

/** `"$a.b"` → `a.b`; variables (`$$…`) and anything else → undefined. */
function fieldPath(value: unknown): string | undefined {
  return typeof value === 'string' && value.startsWith('$') && !value.startsWith('$$') && value.length > 1
    ? value.slice(1)
    : undefined;
}

/** A number or date the expression always evaluates to (literals, $literal, $add/$subtract of them), else undefined. */
function constantValue(value: unknown): number | Date | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value;
  if (!isPlainObject(value) || Object.keys(value).length !== 1) return undefined;
  const [op] = Object.keys(value);
  const arg = value[op];
  if (op === '$literal') return typeof arg === 'number' || arg instanceof Date ? constantValue(arg) : undefined;
  if (op === '$subtract' && Array.isArray(arg) && arg.length === 2) {
    const [x, y] = arg.map(constantValue);
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    if (x instanceof Date && typeof y === 'number') return new Date(x.getTime() - y);
    return undefined;
  }
  if (op === '$add' && Array.isArray(arg) && arg.length > 0) {
    const values = arg.map(constantValue);
    if (values.every((v) => typeof v === 'number')) return (values as number[]).reduce((s, v) => s + v, 0);
    return undefined;
  }
  return undefined;
}
