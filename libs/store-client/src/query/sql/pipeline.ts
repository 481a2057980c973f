/**
 * Aggregation pipelines → one SQL statement: a chain of CTEs, one per stage, each a relation
 * `(doc jsonb, ord bigint[])`. `ord` carries the document order that `$sort` establishes through
 * later stages (SQL relations are unordered); `$unwind` extends it with the element index, so
 * `$limit`, `$first`/`$last` and `$push` see MongoDB's order. PostgreSQL inlines single-use CTEs,
 * so a leading `$match` still reaches the table's indexes.
 */
import { sql, type RawBuilder } from './fragment.js';
import { invalid, unsupported, type QueryLocation } from './errors.js';
import { isPlainObject, pathParam, splitPath } from './encode.js';
import { freshAlias, navigate, plainPathCheck, type CompileContext } from './context.js';
import { compileFilterNode } from './filter.js';
import { sortKey } from './sort-key.js';
import { compileGroup } from './stage-group.js';
import { compileAddFields, compileProject, compileReplaceRoot, compileUnset } from './stage-project.js';
import { compileUnwind } from './stage-unwind.js';
import { compileLookup } from './stage-lookup.js';
import { compileSetWindowFields } from './stage-window.js';

type Sql = RawBuilder<unknown>;

/**
 * A CTE per stage. Stages that compute new documents are MATERIALIZED: PostgreSQL would
 * otherwise inline them and substitute the whole document expression into every reference in
 * the following stages, which grows exponentially along a pipeline. Filtering and paging stages
 * stay inlinable so a leading `$match` still reaches the table's indexes.
 */
export interface StageChain {
  ctes: { name: Sql; body: Sql; materialized: boolean }[];
  current: Sql;
}

const INLINABLE_STAGES = new Set(['$match', '$limit', '$skip']);

/** Compiles `stages` over `input` (a relation with `doc` and `ord`) into CTEs appended to a chain. */
export function compileStages(
  stages: unknown,
  input: Sql,
  ctx: CompileContext,
  stagePrefix = '',
  indexOffset = 0,
): StageChain {
  if (!Array.isArray(stages)) throw invalid('a pipeline must be an array of stage objects', { stage: 'pipeline' });
  const chain: StageChain = { ctes: [], current: input };
  stages.forEach((stage, position) => {
    const index = position + indexOffset;
    if (!isPlainObject(stage) || Object.keys(stage).length !== 1) {
      throw invalid('each pipeline stage must be an object with exactly one stage operator, e.g. { $match: {...} }', {
        stage: stagePrefix + 'pipeline',
        index,
      });
    }
    const [name] = Object.keys(stage);
    const location: QueryLocation = { stage: stagePrefix + name, index };
    const body = compileStage(name, stage[name], ctx, location);
    for (const b of Array.isArray(body) ? body : [body]) {
      const alias = freshAlias(ctx, 's');
      chain.ctes.push({ name: alias, body: b(chain.current), materialized: !INLINABLE_STAGES.has(name) });
      chain.current = alias;
    }
  });
  return chain;
}

/** `WITH … SELECT doc FROM last ORDER BY ord` for a chain. */
export function chainToSelect(chain: StageChain, select: Sql): Sql {
  if (chain.ctes.length === 0) return select;
  const withs = chain.ctes.map((c) =>
    c.materialized ? sql`${c.name} AS MATERIALIZED (${c.body})` : sql`${c.name} AS (${c.body})`,
  );
  return sql`WITH ${sql.join(withs)} ${select}`;
}

type StageBody = (prev: Sql) => Sql;

type StageCompiler = (spec: unknown, ctx: CompileContext, location: QueryLocation) => StageBody | StageBody[];

function pageStage(name: '$limit' | '$skip'): StageCompiler {
  return (spec, _ctx, location) => {
    if (typeof spec !== 'number' || !Number.isInteger(spec) || spec < 0 || (name === '$limit' && spec === 0)) {
      const wanted = name === '$limit' ? 'positive' : 'non-negative';
      throw invalid(`${name} needs a ${wanted} integer, got ${JSON.stringify(spec)}`, location);
    }
    const clause = name === '$limit' ? sql`LIMIT ${spec}::bigint` : sql`OFFSET ${spec}::bigint`;
    return (prev) => sql`SELECT doc, ord FROM ${prev} ORDER BY ord ${clause}`;
  };
}

/** One compiler per stage operator; SUPPORTED_STAGES is read off this table. */
const STAGES: Record<string, StageCompiler> = {
  $match: (spec, ctx, location) => {
    const p = freshAlias(ctx, 'p');
    const where = compileFilterNode(spec, sql`${p}.doc`, ctx, location);
    return (prev) => sql`SELECT ${p}.doc, ${p}.ord FROM ${prev} AS ${p} WHERE ${where}`;
  },
  $sort: (spec, ctx, location) => compileSort(spec, ctx, location),
  $limit: pageStage('$limit'),
  $skip: pageStage('$skip'),
  $project: compileProject,
  $addFields: compileAddFields,
  $set: compileAddFields,
  $unset: compileUnset,
  $group: compileGroup,
  $count: (spec, _ctx, location) => {
    if (typeof spec !== 'string' || spec.length === 0 || spec.startsWith('$') || spec.includes('.')) {
      throw invalid('$count needs a non-empty field name without "." or a leading "$"', location);
    }
    return (prev) =>
      sql`SELECT jsonb_build_object(${spec}::text, count(*)) AS doc, '{}'::bigint[] AS ord FROM ${prev} HAVING count(*) > 0`;
  },
  $unwind: compileUnwind,
  $sortByCount: (spec, ctx, location) => [
    ...asList(compileGroup({ _id: spec, count: { $sum: 1 } }, ctx, location)),
    ...asList(compileSort({ count: -1 }, ctx, location)),
  ],
  $replaceRoot: (spec, ctx, location) => {
    if (!isPlainObject(spec) || !('newRoot' in spec))
      throw invalid('$replaceRoot needs { newRoot: <expression> }', location);
    return compileReplaceRoot(spec.newRoot, ctx, location);
  },
  $replaceWith: compileReplaceRoot,
  $lookup: compileLookup,
  $facet: (spec, ctx, location) => compileFacet(spec, ctx, location),
  $setWindowFields: compileSetWindowFields,
};

export const SUPPORTED_STAGES: readonly string[] = Object.keys(STAGES);

function compileStage(
  name: string,
  spec: unknown,
  ctx: CompileContext,
  location: QueryLocation,
): StageBody | StageBody[] {
  const compile = Object.hasOwn(STAGES, name) ? STAGES[name] : undefined;
  if (!compile) throw unsupported(`stage ${name}`, location, `Supported stages: ${SUPPORTED_STAGES.join(' ')}.`);
  return compile(spec, ctx, location);
}

function asList(b: StageBody | StageBody[]): StageBody[] {
  return Array.isArray(b) ? b : [b];
}

function compileSort(spec: unknown, ctx: CompileContext, location: QueryLocation): StageBody {
  if (!isPlainObject(spec) || Object.keys(spec).length === 0)
    throw invalid('$sort needs an object such as { createdAt: -1 }', location);
  const p = freshAlias(ctx, 'p');
  const q = freshAlias(ctx, 'q');
  const values: Sql[] = [];
  const keys: Sql[] = [];
  Object.entries(spec).forEach(([path, dir], i) => {
    if (dir !== 1 && dir !== -1) {
      if (isPlainObject(dir)) throw unsupported('$sort by $meta', location, 'Sort by a field with 1 or -1.');
      throw invalid(`$sort direction for "${path}" must be 1 or -1`, location);
    }
    const parts = splitPath(path, location);
    const column = sql.raw(`k${i}`);
    values.push(sql`${sortValue(sql`${p}.doc`, parts, dir, ctx, location)} AS ${column}`);
    keys.push(sortKey(sql`${q}.${column}`, dir === 1 ? sql`ASC` : sql`DESC`));
  });
  // OFFSET 0 keeps the sort values computed once per row instead of once per ORDER BY item.
  return (prev) =>
    sql`SELECT ${q}.doc, ARRAY[row_number() OVER (ORDER BY ${sql.join(keys)}, ${q}.ord)] AS ord
        FROM (SELECT ${p}.doc, ${p}.ord, ${sql.join(values)} FROM ${prev} AS ${p} OFFSET 0) AS ${q}`;
}

/**
 * The value a document sorts by: the field, or for arrays the smallest element ascending and the
 * largest descending (MongoDB's rule); missing sorts as null; an empty array (SQL NULL here)
 * sorts before null.
 */
function sortValue(doc: Sql, parts: string[], dir: 1 | -1, ctx: CompileContext, location: QueryLocation): Sql {
  const c = freshAlias(ctx, 'v');
  const direction = dir === 1 ? sql`ASC` : sql`DESC`;
  const direct = navigate(doc, parts, location);
  const plain = plainPathCheck(doc, parts, location) ?? sql`TRUE`;
  // An empty array is the only candidate left as SQL NULL: it sorts before null (MongoDB).
  const slow = sql`(SELECT (CASE WHEN jsonb_typeof(${c}.val) = 'array' THEN NULL ELSE coalesce(${c}.val, 'null'::jsonb) END) FROM nvsq_candidates(${doc}, ${pathParam(parts, location)}) AS ${c}
    WHERE (CASE WHEN jsonb_typeof(${c}.val) = 'array' THEN jsonb_array_length(${c}.val) = 0 ELSE TRUE END)
    ORDER BY ${sortKey(sql`(CASE WHEN jsonb_typeof(${c}.val) = 'array' THEN NULL ELSE coalesce(${c}.val, 'null'::jsonb) END)`, direction)} LIMIT 1)`;
  return sql`(CASE WHEN ${plain} AND jsonb_typeof(${direct}) IS DISTINCT FROM 'array' THEN coalesce(${direct}, 'null'::jsonb) ELSE ${slow} END)`;
}

function compileFacet(spec: unknown, ctx: CompileContext, location: QueryLocation): StageBody {
  if (!isPlainObject(spec) || Object.keys(spec).length === 0)
    throw invalid('$facet needs { name: [stages…] }', location);
  return (prev) => {
    const fields = Object.entries(spec).map(([name, stages]) => {
      if (name.startsWith('$') || name.includes('.'))
        throw invalid(`$facet output name "${name}" cannot start with "$" or contain "."`, location);
      const chain = compileStages(stages, prev, ctx, `$facet.${name}.`);
      const t = freshAlias(ctx, 'f');
      const select = sql`SELECT coalesce(jsonb_agg(${t}.doc ORDER BY ${t}.ord), '[]'::jsonb) FROM ${chain.current} AS ${t}`;
      return sql`${name}::text, (${chainToSelect(chain, select)})`;
    });
    return sql`SELECT jsonb_build_object(${sql.join(fields)}) AS doc, '{}'::bigint[] AS ord`;
  };
}
