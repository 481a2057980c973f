/**
 * `$unwind`: one output document per array element. A non-array value counts as a one-element
 * array; null, missing and [] produce nothing unless `preserveNullAndEmptyArrays` (then the
 * document passes with [] turned into a missing field). The element index extends `ord` so the
 * elements keep their array order after any earlier `$sort`.
 */
import { sql, type RawBuilder } from './fragment.js';
import { invalid, type QueryLocation } from './errors.js';
import { isPlainObject, pathParam, splitPath } from './encode.js';
import { freshAlias, type CompileContext } from './context.js';
import { compileExpression, rootScope } from './expression.js';

type Sql = RawBuilder<unknown>;

export function compileUnwind(spec: unknown, ctx: CompileContext, location: QueryLocation): (prev: Sql) => Sql {
  const options = typeof spec === 'string' ? { path: spec } : spec;
  if (!isPlainObject(options) || typeof options.path !== 'string' || !options.path.startsWith('$')) {
    throw invalid(
      '$unwind needs a field path such as "$healthevent.entitiesimpacted" or { path, includeArrayIndex?, preserveNullAndEmptyArrays? }',
      location,
    );
  }
  for (const key of Object.keys(options)) {
    if (!['path', 'includeArrayIndex', 'preserveNullAndEmptyArrays'].includes(key))
      throw invalid(`$unwind has no option "${key}"`, location);
  }
  const parts = splitPath(options.path.slice(1), location);
  const preserve = options.preserveNullAndEmptyArrays === true;
  const indexField = options.includeArrayIndex;
  if (
    indexField !== undefined &&
    (typeof indexField !== 'string' || indexField.length === 0 || indexField.startsWith('$'))
  ) {
    throw invalid('includeArrayIndex must be a field name not starting with "$"', location);
  }
  const p = freshAlias(ctx, 'p');
  const u = freshAlias(ctx, 'u');
  const value = compileExpression(options.path, rootScope(sql`${p}.doc`, ctx, location));
  const path = pathParam(parts, location);
  // Rows: (val, idx) per element; a scalar is its own single element (idx NULL like MongoDB).
  const elements = sql`SELECT ${u}e.val, ${u}e.o - 1 AS idx FROM jsonb_array_elements(CASE WHEN jsonb_typeof(${value}) = 'array' THEN ${value} END) WITH ORDINALITY AS ${u}e(val, o)
    UNION ALL SELECT ${value}, NULL WHERE jsonb_typeof(${value}) NOT IN ('array', 'null')`;
  let doc: Sql = sql`(CASE WHEN ${u}.val IS NOT NULL THEN nvsq_set_path(${p}.doc, ${path}, ${u}.val)
    WHEN jsonb_typeof(${value}) = 'array' THEN nvsq_set_path(${p}.doc, ${path}, NULL) ELSE ${p}.doc END)`;
  if (typeof indexField === 'string') {
    doc = sql`nvsq_set_path(${doc}, ${pathParam(splitPath(indexField, location), location)}, coalesce(to_jsonb(${u}.idx), 'null'::jsonb))`;
  }
  const join = preserve
    ? sql`LEFT JOIN LATERAL (${elements}) AS ${u} ON TRUE`
    : sql`CROSS JOIN LATERAL (${elements}) AS ${u}`;
  return (prev) => sql`SELECT ${doc} AS doc, ${p}.ord || coalesce(${u}.idx, 0) AS ord FROM ${prev} AS ${p} ${join}`;
}
