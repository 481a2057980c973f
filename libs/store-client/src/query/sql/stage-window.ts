/**
 * `$setWindowFields`: SQL window functions over partitions (`partitionBy`) in `sortBy` order.
 * Aggregating operators collect their frame with `jsonb_agg(...) OVER w` and reduce that array, so
 * `$min`/`$max` keep the BSON type order (PostgreSQL does not allow ORDER BY inside a window
 * aggregate). Frames: `documents: [lower, upper]` → ROWS, `range: [lower, upper]` (+ `unit` for
 * dates) → RANGE over the single ascending `sortBy` field as a number (dates in milliseconds).
 * Like MongoDB, the output is ordered by partition, then `sortBy`.
 */
import { sql, type RawBuilder } from './fragment.js';
import { invalid, unsupported, type QueryLocation } from './errors.js';
import { isPlainObject, jsonParam, pathParam, splitPath } from './encode.js';
import { freshAlias, navigate, type CompileContext } from './context.js';
import { compileExpression, rootScope } from './expression.js';
import { sortKey } from './sort-key.js';

type Sql = RawBuilder<unknown>;

const SUPPORTED_WINDOW_OPERATORS = [
  '$sum',
  '$avg',
  '$min',
  '$max',
  '$count',
  '$first',
  '$last',
  '$push',
  '$addToSet',
  '$documentNumber',
  '$rank',
  '$denseRank',
] as const;

const UNIT_MS: Record<string, number> = {
  millisecond: 1,
  second: 1000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 604_800_000,
};
const RANKING = new Set(['$documentNumber', '$rank', '$denseRank']);

export function compileSetWindowFields(
  spec: unknown,
  ctx: CompileContext,
  location: QueryLocation,
): (prev: Sql) => Sql {
  if (!isPlainObject(spec) || !isPlainObject(spec.output))
    throw invalid('$setWindowFields needs { partitionBy?, sortBy?, output: {...} }', location);
  const p = freshAlias(ctx, 'p');
  const q = freshAlias(ctx, 'q');
  const scope = rootScope(sql`${p}.doc`, ctx, location);
  const partition =
    spec.partitionBy === undefined
      ? sql`'null'::jsonb`
      : sql`coalesce(${compileExpression(spec.partitionBy, scope)}, 'null'::jsonb)`;

  const sortEntries = spec.sortBy === undefined ? [] : Object.entries(sortSpec(spec.sortBy, location));
  const sortValues = sortEntries.map(
    ([path], i) =>
      sql`coalesce(${navigate(sql`${p}.doc`, splitPath(path, location), location)}, 'null'::jsonb) AS ${sql.raw(`k${i}`)}`,
  );
  const sortItems = sortEntries.map(([, dir], i) =>
    sortKey(sql`${q}.${sql.raw(`k${i}`)}`, dir === 1 ? sql`ASC` : sql`DESC`),
  );
  // RANGE frames need one numeric ORDER BY column: the single sortBy field, dates as milliseconds.
  const rangeable = sortEntries.length === 1 && sortEntries[0][1] === 1;

  // Window functions cannot sit inside a FROM-clause function, so reductions over a frame's
  // jsonb_agg (e.g. $min) run one level up, on the computed column.
  const windows: Sql[] = [];
  const t = freshAlias(ctx, 't');
  let doc: Sql = sql`${t}.doc`;
  // Each operator's input is computed once per row, one level below the window functions
  // (column a<i>): they use it several times (type test, value, FILTER).
  const inputs: Sql[] = [];
  Object.entries(spec.output).forEach(([field, outSpec], i) => {
    const loc = { ...location, operator: field };
    const inputColumn = sql.raw(`a${i}`);
    const input = (x: Sql) => {
      inputs.push(sql`${x} AS ${inputColumn}`);
      return sql`${q}.${inputColumn}`;
    };
    const { window, reduce } = windowValue(outSpec, sql`${q}.doc`, ctx, loc, input, {
      partition: sql`${q}.partition_key`,
      order: sortItems,
      rangeOrder: rangeable ? sql`${q}.range_key` : undefined,
    });
    const column = sql.raw(`w${i}`);
    windows.push(sql`${window} AS ${column}`);
    doc = sql`nvsq_set_path(${doc}, ${pathParam(splitPath(field, loc), loc)}, ${reduce ? reduce(sql`${t}.${column}`) : sql`${t}.${column}`})`;
  });
  const outputOrder = [sortKey(sql`${q}.partition_key`, sql`ASC`), ...sortItems, sql`${q}.ord`];
  return (prev) => {
    const keys = sortValues.length ? sql`, ${sql.join(sortValues)}` : sql``;
    let base = sql`SELECT ${p}.doc, ${p}.ord, ${partition} AS partition_key${keys} FROM ${prev} AS ${p} OFFSET 0`;
    if (rangeable) {
      const r = freshAlias(ctx, 'r');
      base = sql`SELECT ${r}.*, (CASE WHEN jsonb_typeof(${r}.k0) = 'number' THEN (${r}.k0)::numeric WHEN nvsq_is_date(${r}.k0) THEN nvsq_date_ms(${r}.k0) END) AS range_key FROM (${base}) AS ${r}`;
    }
    const rows = inputs.length
      ? sql`(SELECT ${q}.*, ${sql.join(inputs)} FROM (${base}) AS ${q} OFFSET 0)`
      : sql`(${base})`;
    const computed = sql`SELECT ${q}.doc, row_number() OVER (ORDER BY ${sql.join(outputOrder)}) AS position, ${sql.join(windows)} FROM ${rows} AS ${q}`;
    return sql`SELECT ${doc} AS doc, ARRAY[${t}.position] AS ord FROM (${computed}) AS ${t}`;
  };
}

function sortSpec(sortBy: unknown, location: QueryLocation): Record<string, 1 | -1> {
  if (!isPlainObject(sortBy) || Object.keys(sortBy).length === 0)
    throw invalid('sortBy needs an object such as { createdAt: 1 }', location);
  for (const [path, dir] of Object.entries(sortBy)) {
    if (dir !== 1 && dir !== -1) throw invalid(`sortBy direction for "${path}" must be 1 or -1`, location);
  }
  return sortBy as Record<string, 1 | -1>;
}

interface WindowShape {
  partition: Sql;
  /** ORDER BY items of sortBy (BSON order). */
  order: Sql[];
  /** The numeric range key, when sortBy is one ascending field. */
  rangeOrder: Sql | undefined;
}

interface WindowValue {
  /** The window function call (goes into the inner SELECT). */
  window: Sql;
  /** Turns the window's column into the output value, when it needs more than the column. */
  reduce?: (column: Sql) => Sql;
}

function windowValue(
  outSpec: unknown,
  doc: Sql,
  ctx: CompileContext,
  location: QueryLocation,
  input: (x: Sql) => Sql,
  shape: WindowShape,
): WindowValue {
  if (!isPlainObject(outSpec))
    throw invalid('each $setWindowFields output needs { <operator>: <expression>, window? }', location);
  const ops = Object.keys(outSpec).filter((k) => k !== 'window');
  if (ops.length !== 1) throw invalid('each $setWindowFields output needs exactly one window operator', location);
  const op = ops[0];
  const loc = { ...location, operator: op };
  if (!(SUPPORTED_WINDOW_OPERATORS as readonly string[]).includes(op)) {
    throw unsupported(
      `window operator ${op}`,
      loc,
      `Supported window operators: ${SUPPORTED_WINDOW_OPERATORS.join(' ')}.`,
    );
  }
  const orderBy = shape.order.length ? sql`ORDER BY ${sql.join(shape.order)}` : sql``;
  if (RANKING.has(op)) {
    if (!shape.order.length) throw invalid(`${op} needs sortBy`, loc);
    if (outSpec.window !== undefined) throw invalid(`${op} does not take a window`, loc);
    const fn = sql.raw({ $documentNumber: 'row_number()', $rank: 'rank()', $denseRank: 'dense_rank()' }[op] as string);
    return { window: sql`to_jsonb(${fn} OVER (PARTITION BY ${shape.partition} ${orderBy}))` };
  }
  const isRange = isPlainObject(outSpec.window) && 'range' in outSpec.window;
  const windowOrder = isRange && shape.rangeOrder ? sql`ORDER BY ${shape.rangeOrder}` : orderBy;
  const over = sql`OVER (PARTITION BY ${shape.partition} ${windowOrder} ${frame(outSpec.window, shape, loc)})`;
  const scope = rootScope(doc, ctx, loc);
  const arg = op === '$count' ? 1 : outSpec[op];
  if (op === '$count' && !(isPlainObject(arg) || arg === 1)) throw invalid('$count takes {}', loc);
  const x = op === '$count' ? compileExpression(1, scope) : input(compileExpression(arg, scope));
  const e = freshAlias(ctx, 'w');
  switch (op) {
    case '$count':
      return { window: sql`to_jsonb(count(*) ${over})` };
    case '$sum':
      return {
        window: sql`to_jsonb(trim_scale(coalesce(sum(CASE WHEN jsonb_typeof(${x}) = 'number' THEN (${x})::numeric END) ${over}, 0)))`,
      };
    case '$avg':
      return {
        window: sql`coalesce(to_jsonb(trim_scale(avg(CASE WHEN jsonb_typeof(${x}) = 'number' THEN (${x})::numeric END) ${over})), 'null'::jsonb)`,
      };
    case '$min':
    case '$max':
      return {
        window: sql`jsonb_agg(${x}) FILTER (WHERE ${x} IS NOT NULL AND ${x} <> 'null'::jsonb) ${over}`,
        reduce: (column) =>
          sql`coalesce((SELECT ${e}.val FROM jsonb_array_elements(${column}) AS ${e}(val) ORDER BY ${sortKey(sql`${e}.val`, op === '$min' ? sql`ASC` : sql`DESC`)} LIMIT 1), 'null'::jsonb)`,
      };
    case '$first':
      return { window: sql`coalesce((jsonb_agg(coalesce(${x}, 'null'::jsonb)) ${over}) -> 0, 'null'::jsonb)` };
    case '$last':
      return { window: sql`coalesce((jsonb_agg(coalesce(${x}, 'null'::jsonb)) ${over}) -> -1, 'null'::jsonb)` };
    case '$push':
      return { window: sql`coalesce(jsonb_agg(${x}) FILTER (WHERE ${x} IS NOT NULL) ${over}, '[]'::jsonb)` };
    default:
      return {
        window: sql`coalesce(jsonb_agg(${x}) FILTER (WHERE ${x} IS NOT NULL) ${over}, '[]'::jsonb)`,
        reduce: (column) =>
          sql`(SELECT coalesce(jsonb_agg(DISTINCT ${e}.val), '[]'::jsonb) FROM jsonb_array_elements(${column}) AS ${e}(val))`,
      };
  }
}

/** MongoDB window bounds → a SQL frame clause; no window means the whole partition. */
function frame(window: unknown, shape: WindowShape, location: QueryLocation): Sql {
  if (window === undefined) return sql`ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING`;
  if (!isPlainObject(window))
    throw invalid('window needs { documents: [lower, upper] } or { range: [lower, upper], unit? }', location);
  const kind = 'documents' in window ? 'documents' : 'range' in window ? 'range' : undefined;
  const bounds = kind ? window[kind] : undefined;
  if (!kind || !Array.isArray(bounds) || bounds.length !== 2)
    throw invalid('window needs documents or range as [lower, upper]', location);
  if (!shape.order.length) throw invalid('a window with bounds needs sortBy', location);
  let scale = 1;
  if (kind === 'range') {
    if (!shape.rangeOrder)
      throw unsupported('a range window here', location, 'Range windows need sortBy on one field, ascending.');
    if (window.unit !== undefined) {
      if (typeof window.unit !== 'string' || !UNIT_MS[window.unit]) {
        throw unsupported(
          `range unit ${JSON.stringify(window.unit)}`,
          location,
          `Supported units: ${Object.keys(UNIT_MS).join(', ')}.`,
        );
      }
      scale = UNIT_MS[window.unit];
    }
  }
  const bound = (b: unknown, upper: boolean): Sql => {
    if (b === 'unbounded') return upper ? sql`UNBOUNDED FOLLOWING` : sql`UNBOUNDED PRECEDING`;
    if (b === 'current') return sql`CURRENT ROW`;
    if (typeof b !== 'number' || !Number.isFinite(b) || (kind === 'documents' && !Number.isInteger(b))) {
      throw invalid(`window bound ${JSON.stringify(b)} must be "unbounded", "current" or a number`, location);
    }
    const offset = b * scale;
    const amount =
      kind === 'documents' ? sql`${Math.abs(offset)}::bigint` : sql`${jsonParam(Math.abs(offset), location)}::numeric`;
    return offset < 0 ? sql`${amount} PRECEDING` : offset > 0 ? sql`${amount} FOLLOWING` : sql`CURRENT ROW`;
  };
  const [lower, upper] = bounds;
  if (kind === 'documents') return sql`ROWS BETWEEN ${bound(lower, false)} AND ${bound(upper, true)}`;
  return sql`RANGE BETWEEN ${bound(lower, false)} AND ${bound(upper, true)}`;
}
