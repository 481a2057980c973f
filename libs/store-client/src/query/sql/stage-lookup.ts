/**
 * `$lookup` from another relation named in `CompileOptions.collections`.
 * Equality form: a foreign document joins when its `foreignField` equals the local
 * `localField` value or, for a local array, one of its elements (so an empty array joins
 * nothing); missing local values match null/missing foreign ones. Both sides use
 * query-language path semantics (foreign arrays match element-wise).
 * Pipeline form: `let` variables are bound to the local document and the sub-pipeline runs over
 * the foreign relation; both forms may be combined (MongoDB 5.0).
 */
import { sql, type RawBuilder } from './fragment.js';
import { invalid, unsupported, type QueryLocation } from './errors.js';
import { isPlainObject, pathParam, splitPath } from './encode.js';
import { freshAlias, type CompileContext } from './context.js';
import { compileExpression, rootScope } from './expression.js';
import { chainToSelect, compileStages } from './pipeline.js';

type Sql = RawBuilder<unknown>;

export function compileLookup(spec: unknown, ctx: CompileContext, location: QueryLocation): (prev: Sql) => Sql {
  if (!isPlainObject(spec) || typeof spec.from !== 'string' || typeof spec.as !== 'string') {
    throw invalid('$lookup needs { from, as } plus localField/foreignField and/or let/pipeline', location);
  }
  const from = ctx.options.collections?.[spec.from];
  if (!from) {
    const known = Object.keys(ctx.options.collections ?? {});
    throw unsupported(
      `$lookup from "${spec.from}"`,
      location,
      known.length
        ? `Collections available to $lookup: ${known.join(', ')}.`
        : 'Pass the relation in CompileOptions.collections.',
    );
  }
  const hasEquality = spec.localField !== undefined || spec.foreignField !== undefined;
  if (hasEquality && (typeof spec.localField !== 'string' || typeof spec.foreignField !== 'string')) {
    throw invalid('$lookup needs both localField and foreignField as strings', location);
  }
  if (!hasEquality && spec.pipeline === undefined)
    throw invalid('$lookup needs localField/foreignField or a pipeline', location);
  const asPath = pathParam(splitPath(spec.as, location), location);
  const p = freshAlias(ctx, 'p');
  const f = freshAlias(ctx, 'f');
  const localDoc = sql`${p}.doc`;

  let joinCondition: Sql = sql`TRUE`;
  if (hasEquality) {
    const l = freshAlias(ctx, 'l');
    const r = freshAlias(ctx, 'r');
    const localPath = pathParam(splitPath(spec.localField as string, location), location);
    const foreignPath = pathParam(splitPath(spec.foreignField as string, location), location);
    joinCondition = sql`EXISTS (SELECT 1 FROM nvsq_candidates(${localDoc}, ${localPath}) AS ${l}, nvsq_candidates(${f}.doc, ${foreignPath}) AS ${r}
      WHERE coalesce(${l}.val, 'null'::jsonb) = coalesce(${r}.val, 'null'::jsonb)
        AND (jsonb_typeof(${l}.val) IS DISTINCT FROM 'array' OR ${l}.elem))`;
  }

  let foreign: Sql = sql`SELECT ${f}.doc, '{}'::bigint[] AS ord FROM ${from} AS ${f} WHERE ${joinCondition}`;
  let joined: Sql;
  if (spec.pipeline !== undefined) {
    if (spec.let !== undefined && !isPlainObject(spec.let))
      throw invalid('$lookup let must be an object of name: expression', location);
    const outer = rootScope(localDoc, ctx, location);
    const vars: Record<string, Sql> = { ...ctx.vars };
    const letNames = new Set<string>();
    for (const [name, expr] of Object.entries(spec.let ?? {})) {
      if (!/^[a-z_][A-Za-z0-9_]*$/.test(name))
        throw invalid(`"${name}" is not a valid $lookup variable name`, location);
      vars[name] = compileExpression(expr, outer);
      letNames.add(name);
    }
    const implied = impliedVariableEqualities(
      spec.pipeline,
      ctx.options.lookupIndexedColumns?.[spec.from],
      vars,
      letNames,
      f,
    );
    if (implied.length > 0) {
      foreign = sql`SELECT ${f}.doc, '{}'::bigint[] AS ord FROM ${from} AS ${f} WHERE ${joinCondition} AND ${sql.join(implied, sql` AND `)}`;
    }
    const input = freshAlias(ctx, 'i');
    const chain = compileStages(spec.pipeline, input, { ...ctx, vars }, `$lookup.pipeline.`);
    const t = freshAlias(ctx, 't');
    const withInput = {
      ctes: [{ name: input, body: foreign, materialized: false }, ...chain.ctes],
      current: chain.current,
    };
    joined = chainToSelect(
      withInput,
      sql`SELECT coalesce(jsonb_agg(${t}.doc ORDER BY ${t}.ord), '[]'::jsonb) FROM ${chain.current} AS ${t}`,
    );
  } else {
    const t = freshAlias(ctx, 't');
    foreign = sql`SELECT coalesce(jsonb_agg(${t}.doc), '[]'::jsonb) FROM (${foreign}) AS ${t}`;
    joined = foreign;
  }
  return (prev) => sql`SELECT nvsq_set_path(${localDoc}, ${asPath}, (${joined})) AS doc, ${p}.ord FROM ${prev} AS ${p}`;
}

/**
 * Column predicates implied by the sub-pipeline's leading `$match: {$expr: …}` stages: each
 * top-level `{$eq: ["$<indexed path>", "$$<let variable>"]}` (either order) gives
 * `col = var #>> '{}' OR (var IS NULL AND col IS NULL)`. The indexed column is the path's value as
 * text (`#>>`), so equal JSON values give equal text and a missing or null value gives NULL: the
 * predicate keeps every row the `$eq` keeps (it only drops rows it would drop too), and the
 * `$match` itself still decides. Only variables of this `$lookup`'s `let` are used — they are
 * fixed per local document, so PostgreSQL runs the sub-query as an index scan per document.
 */
function impliedVariableEqualities(
  pipeline: unknown,
  columns: Record<string, { column: string; type: string }> | undefined,
  vars: Record<string, Sql>,
  letNames: ReadonlySet<string>,
  f: Sql,
): Sql[] {
  if (!columns || !Array.isArray(pipeline)) return [];
  const out: Sql[] = [];
  for (const stage of pipeline) {
    if (!isPlainObject(stage) || Object.keys(stage).length !== 1 || !isPlainObject(stage.$match)) break;
    const match = stage.$match;
    if (Object.keys(match).length !== 1 || !('$expr' in match)) continue;
    const visit = (node: unknown): void => {
      if (!isPlainObject(node) || Object.keys(node).length !== 1) return;
      if (Array.isArray(node.$and)) return node.$and.forEach(visit);
      const args = node.$eq;
      if (!Array.isArray(args) || args.length !== 2) return;
      const [a, b] = args;
      const pair = asPathAndVar(a, b) ?? asPathAndVar(b, a);
      if (!pair) return;
      const indexed = columns[pair.path];
      const value = vars[pair.variable];
      if (!indexed || indexed.type !== 'text' || !value || !letNames.has(pair.variable)) return;
      const column = sql`${f}.${sql.ref(indexed.column)}`;
      out.push(sql`(${column} = (${value} #>> '{}') OR ((${value}) IS NULL AND ${column} IS NULL))`);
    };
    visit(match.$expr);
  }
  return out;
}

function asPathAndVar(a: unknown, b: unknown): { path: string; variable: string } | undefined {
  if (typeof a !== 'string' || typeof b !== 'string') return undefined;
  if (!a.startsWith('$') || a.startsWith('$$') || a.length < 2) return undefined;
  if (!b.startsWith('$$') || b.includes('.') || b.length < 3) return undefined;
  return { path: a.slice(1), variable: b.slice(2) };
}
