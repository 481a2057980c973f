/**
 * `$group`: one output document per distinct `_id` value, accumulators as SQL aggregates.
 * Values keep MongoDB's rules: `$sum`/`$avg` ignore non-numbers, `$min`/`$max` ignore null and
 * missing and use the BSON type order, `$push` skips missing values, `$first`/`$last` follow
 * the order established by an earlier `$sort`.
 */
import { sql, type RawBuilder } from './fragment.js';
import { invalid, unsupported, type QueryLocation } from './errors.js';
import { isPlainObject, nameText } from './encode.js';
import { freshAlias, type CompileContext } from './context.js';
import { compileExpression, rootScope, type Scope } from './expression.js';
import { sortKey } from './sort-key.js';

type Sql = RawBuilder<unknown>;

export const SUPPORTED_ACCUMULATORS = [
  '$sum',
  '$avg',
  '$min',
  '$max',
  '$first',
  '$last',
  '$push',
  '$addToSet',
  '$count',
] as const;

export function compileGroup(spec: unknown, ctx: CompileContext, location: QueryLocation): (prev: Sql) => Sql {
  if (!isPlainObject(spec) || !('_id' in spec))
    throw invalid('$group needs an _id expression (use _id: null for one group)', location);
  const p = freshAlias(ctx, 'p');
  const scope = rootScope(sql`${p}.doc`, ctx, location);
  const key = sql`coalesce(${compileExpression(spec._id, scope)}, 'null'::jsonb)`;
  // The key is computed once in an inner SELECT: GROUP BY must name the very same expression,
  // and repeated parameters would get different numbers.
  const fields: Sql[] = [sql`'_id', ${p}.group_key`];
  // Each accumulator's input is computed once per row in the inner SELECT (column a<i>): the
  // aggregate uses it several times (type test, value, FILTER), and PostgreSQL would evaluate
  // the expression at every use.
  const inputs: Sql[] = [];
  for (const [name, acc] of Object.entries(spec)) {
    if (name === '_id') continue;
    if (name.includes('.') || name.startsWith('$'))
      throw invalid(`$group output field "${name}" cannot contain "." or start with "$"`, location);
    const column = sql.raw(`a${inputs.length}`);
    const input = (x: Sql) => {
      inputs.push(sql`${x} AS ${column}`);
      return sql`${p}.${column}`;
    };
    fields.push(
      sql`${nameText(name, location)}, ${accumulator(acc, sql`${p}.ord`, { ...scope, location: { ...location, operator: name } }, input)}`,
    );
  }
  const extra = inputs.length ? sql`, ${sql.join(inputs)}` : sql``;
  return (prev) =>
    sql`SELECT jsonb_build_object(${sql.join(fields)}) AS doc, '{}'::bigint[] AS ord
        FROM (SELECT ${p}.doc, ${p}.ord, ${key} AS group_key${extra} FROM ${prev} AS ${p} OFFSET 0) AS ${p} GROUP BY ${p}.group_key`;
}

function accumulator(spec: unknown, ord: Sql, scope: Scope, input: (x: Sql) => Sql): Sql {
  const location = scope.location;
  if (!isPlainObject(spec) || Object.keys(spec).length !== 1) {
    throw invalid(`$group field ${location.operator} needs exactly one accumulator, e.g. { $sum: 1 }`, location);
  }
  const [op] = Object.keys(spec);
  const loc = { ...location, operator: op };
  const arg = spec[op];
  if (op === '$count') {
    if (!isPlainObject(arg) || Object.keys(arg).length !== 0) throw invalid('$count accumulator takes {}', loc);
    return sql`to_jsonb(count(*))`;
  }
  if (!(SUPPORTED_ACCUMULATORS as readonly string[]).includes(op)) {
    throw unsupported(`accumulator ${op}`, loc, `Supported accumulators: ${SUPPORTED_ACCUMULATORS.join(' ')}.`);
  }
  if (Array.isArray(arg)) throw invalid(`${op} in $group takes a single expression, not an array`, loc);
  const x = input(compileExpression(arg, { ...scope, location: loc }));
  const present = sql`${x} IS NOT NULL AND ${x} <> 'null'::jsonb`;
  switch (op) {
    case '$sum':
      return sql`to_jsonb(trim_scale(coalesce(sum(CASE WHEN jsonb_typeof(${x}) = 'number' THEN (${x})::numeric END), 0)))`;
    case '$avg':
      return sql`coalesce(to_jsonb(trim_scale(avg(CASE WHEN jsonb_typeof(${x}) = 'number' THEN (${x})::numeric END))), 'null'::jsonb)`;
    case '$min':
    case '$max': {
      const dir = op === '$min' ? sql`ASC` : sql`DESC`;
      return sql`coalesce((array_agg(${x} ORDER BY ${sortKey(x, dir)}) FILTER (WHERE ${present}))[1], 'null'::jsonb)`;
    }
    case '$first':
    case '$last':
      return sql`(array_agg(coalesce(${x}, 'null'::jsonb) ORDER BY ${ord} ${op === '$first' ? sql`ASC` : sql`DESC`}))[1]`;
    case '$push':
      return sql`coalesce(jsonb_agg(${x} ORDER BY ${ord}) FILTER (WHERE ${x} IS NOT NULL), '[]'::jsonb)`;
    case '$addToSet':
      return sql`coalesce(jsonb_agg(DISTINCT ${x}) FILTER (WHERE ${x} IS NOT NULL), '[]'::jsonb)`;
  }
  throw unsupported(`accumulator ${op}`, loc, `Supported accumulators: ${SUPPORTED_ACCUMULATORS.join(' ')}.`);
}
