/**
 * MongoDB filters and aggregation pipelines compiled to parameterised PostgreSQL over a jsonb
 * document, with MongoDB's semantics (see README.md in this folder for what is supported).
 *
 * ```ts
 * const where = compileFilter({ 'healthevent.nodename': 'n1' }, sql`document`);
 * const rows = await sql`SELECT document FROM health_events WHERE ${where}`.execute(db);
 *
 * const stmt = compilePipeline(pipeline, sql`(SELECT document AS doc FROM health_events)`);
 * const { rows } = await stmt.execute(db); // rows: { doc }[] — decode with fromJsonValue
 * ```
 * The SQL calls helper functions: apply `QUERY_FUNCTIONS_SQL` to the database first.
 */
import type { RawBuilder } from 'kysely';
import { embed, sql, toKysely } from './sql/fragment.js';
import { newContext, type CompileOptions } from './sql/context.js';
import { compileFilterNode } from './sql/filter.js';
import { chainToSelect, compileStages } from './sql/pipeline.js';
import { freshAlias } from './sql/context.js';
import { invalid } from './sql/errors.js';
import { isPlainObject } from './sql/encode.js';

export type Filter = Record<string, unknown>;
export type Pipeline = Record<string, unknown>[];
export type { CompileOptions, IndexedPath } from './sql/context.js';
export { QUERY_FUNCTIONS_SQL, QUERY_FUNCTION_NAMES } from './sql/sql-functions.js';
export { SUPPORTED_QUERY_OPERATORS } from './sql/filter.js';
export { SUPPORTED_STAGES } from './sql/pipeline.js';
export { SUPPORTED_ACCUMULATORS } from './sql/stage-group.js';

/** SQL boolean: true when the jsonb value `doc` (any jsonb SQL expression) matches the MongoDB filter. */
export function compileFilter(filter: Filter, doc: RawBuilder<unknown>, options?: CompileOptions): RawBuilder<boolean> {
  const sourceDoc = embed(doc);
  return toKysely(compileFilterNode(filter, sourceDoc, { ...newContext(options), sourceDoc }, { stage: 'filter' }));
}

/**
 * A complete SELECT yielding rows `{ doc }` (jsonb) = the pipeline applied to `source`, a
 * relation (e.g. sql`(SELECT document AS doc FROM health_events)`) exposing a jsonb column `doc`.
 * Rows come in the pipeline's order (the order of the last `$sort`, else unspecified).
 *
 * `options.indexedPaths` apply to the pipeline's leading `$match` stages, which filter the source
 * relation directly: the source must then expose those columns too, e.g.
 * sql`(SELECT document AS doc, node_name FROM health_events)`.
 */
export function compilePipeline(
  pipeline: Pipeline,
  source: RawBuilder<unknown>,
  options: CompileOptions = {},
): RawBuilder<{ doc: unknown }> {
  if (!Array.isArray(pipeline)) throw invalid('a pipeline must be an array of stage objects', { stage: 'pipeline' });
  const base = newContext(options);
  const src = freshAlias(base, 'src');
  const input = freshAlias(base, 's');
  const sourceDoc = sql`${src}.doc`;
  const ctx = { ...base, sourceDoc };
  let leading = 0;
  while (
    leading < pipeline.length &&
    isPlainObject(pipeline[leading]) &&
    Object.keys(pipeline[leading]).length === 1 &&
    '$match' in pipeline[leading]
  )
    leading++;
  const where = pipeline
    .slice(0, leading)
    .map((stage, index) => compileFilterNode(stage.$match, sourceDoc, ctx, { stage: '$match', index }));
  // Later stages read CTEs that only carry `doc`, so indexed columns do not apply there.
  const rest = compileStages(
    pipeline.slice(leading),
    input,
    { ...ctx, sourceDoc: undefined, options: { ...options, indexedPaths: undefined } },
    '',
    leading,
  );
  const filter = where.length ? sql` WHERE ${sql.join(where, sql` AND `)}` : sql``;
  const all = {
    ctes: [
      {
        name: input,
        // The caller's relation is a kysely builder: embedded as it is.
        body: sql`SELECT ${src}.doc, '{}'::bigint[] AS ord FROM ${source} AS ${src}${filter}`,
        materialized: false,
      },
      ...rest.ctes,
    ],
    current: rest.current,
  };
  return toKysely(chainToSelect(all, sql`SELECT doc FROM ${rest.current} ORDER BY ord`)).$castTo<{ doc: unknown }>();
}
