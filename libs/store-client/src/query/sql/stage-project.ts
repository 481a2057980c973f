/**
 * Stages that reshape each document: `$project`, `$addFields`/`$set`, `$unset`,
 * `$replaceRoot`/`$replaceWith`. Inclusion/exclusion use `nvsq_project` with a spec tree (a jsonb
 * parameter); computed fields are set with `nvsq_set_path`, evaluated against the input document.
 */
import { sql, type RawBuilder } from './fragment.js';
import { invalid, type QueryLocation } from './errors.js';
import { isPlainObject, jsonParam, pathParam, splitPath } from './encode.js';
import { freshAlias, type CompileContext } from './context.js';
import { compileExpression, rootScope } from './expression.js';

type Sql = RawBuilder<unknown>;
type SpecTree = { [key: string]: true | SpecTree };

interface ProjectionPlan {
  include: string[][];
  exclude: string[][];
  /** `ensureObject` entries make sure an embedded document exists before its fields are set. */
  computed: { path: string[]; expr: unknown; ensureObject?: boolean }[];
}

/** Flattens `{a: {b: 1}, "c.d": 0, e: "$x"}` into paths, telling flags from computed values. */
function planProjection(
  spec: Record<string, unknown>,
  location: QueryLocation,
  prefix: string[] = [],
  plan: ProjectionPlan = { include: [], exclude: [], computed: [] },
): ProjectionPlan {
  for (const [key, value] of Object.entries(spec)) {
    const path = [...prefix, ...splitPath(key, location)];
    if (typeof value === 'boolean' || typeof value === 'number') {
      (value ? plan.include : plan.exclude).push(path);
    } else if (
      isPlainObject(value) &&
      Object.keys(value).length > 0 &&
      !Object.keys(value).some((k) => k.startsWith('$'))
    ) {
      // An embedded document with computed fields exists in the output even when they are all missing.
      const before = plan.computed.length;
      planProjection(value, location, path, plan);
      if (plan.computed.length > before) plan.computed.splice(before, 0, { path, expr: undefined, ensureObject: true });
    } else {
      plan.computed.push({ path, expr: value });
    }
  }
  return plan;
}

function toTree(paths: string[][], location: QueryLocation): SpecTree {
  const tree: SpecTree = {};
  for (const path of paths) {
    let node = tree;
    path.forEach((part, i) => {
      const last = i === path.length - 1;
      const existing = node[part];
      if (existing === true || (last && existing !== undefined))
        throw invalid(`projection paths collide at "${path.join('.')}"`, location);
      if (last) node[part] = true;
      else node = (node[part] ??= {}) as SpecTree;
    });
  }
  return tree;
}

export function compileProject(spec: unknown, ctx: CompileContext, location: QueryLocation): (prev: Sql) => Sql {
  if (!isPlainObject(spec) || Object.keys(spec).length === 0)
    throw invalid('$project needs a non-empty object', location);
  const plan = planProjection(spec, location);
  const isId = (p: string[]) => p.length === 1 && p[0] === '_id';
  const excludesId = plan.exclude.some(isId);
  const otherExcludes = plan.exclude.filter((p) => !isId(p));
  const p = freshAlias(ctx, 'p');
  const doc = sql`${p}.doc`;
  let body: Sql;
  if (otherExcludes.length > 0 || (plan.include.length === 0 && plan.computed.length === 0)) {
    if (plan.include.length > 0 || plan.computed.length > 0) {
      throw invalid('$project cannot mix exclusions with inclusions or computed fields (except _id: 0)', location);
    }
    body = sql`nvsq_project(${doc}, ${jsonParam(toTree(plan.exclude, location), location)}, FALSE)`;
  } else {
    const include = [...plan.include];
    if (!excludesId && !plan.include.some(isId) && !plan.computed.some((c) => isId(c.path))) include.push(['_id']);
    toTree([...include, ...plan.computed.filter((c) => !c.ensureObject).map((c) => c.path)], location);
    body = sql`nvsq_project(${doc}, ${jsonParam(toTree(include, location), location)}, TRUE)`;
    body = applyComputed(body, plan.computed, doc, ctx, location);
  }
  return (prev) => sql`SELECT ${body} AS doc, ${p}.ord FROM ${prev} AS ${p}`;
}

function applyComputed(
  start: Sql,
  computed: ProjectionPlan['computed'],
  doc: Sql,
  ctx: CompileContext,
  location: QueryLocation,
): Sql {
  const scope = rootScope(doc, ctx, location);
  return computed.reduce<Sql>((acc, c) => {
    const path = pathParam(c.path, location);
    if (c.ensureObject) {
      return sql`nvsq_set_path(${acc}, ${path}, (CASE WHEN jsonb_typeof(${acc} #> ${path}) = 'object' THEN ${acc} #> ${path} ELSE '{}'::jsonb END))`;
    }
    return sql`nvsq_set_path(${acc}, ${path}, ${compileExpression(c.expr, scope)})`;
  }, start);
}

export function compileAddFields(spec: unknown, ctx: CompileContext, location: QueryLocation): (prev: Sql) => Sql {
  if (!isPlainObject(spec)) throw invalid(`${location.stage} needs an object of field: expression`, location);
  const computed: ProjectionPlan['computed'] = [];
  const flatten = (obj: Record<string, unknown>, prefix: string[]) => {
    for (const [key, value] of Object.entries(obj)) {
      const path = [...prefix, ...splitPath(key, location)];
      // A nested literal object without operators merges into the embedded document, as in MongoDB.
      if (isPlainObject(value) && Object.keys(value).length > 0 && !Object.keys(value).some((k) => k.startsWith('$'))) {
        computed.push({ path, expr: undefined, ensureObject: true });
        flatten(value, path);
      } else computed.push({ path, expr: value });
    }
  };
  flatten(spec, []);
  const p = freshAlias(ctx, 'p');
  const body = applyComputed(sql`${p}.doc`, computed, sql`${p}.doc`, ctx, location);
  return (prev) => sql`SELECT ${body} AS doc, ${p}.ord FROM ${prev} AS ${p}`;
}

export function compileUnset(spec: unknown, ctx: CompileContext, location: QueryLocation): (prev: Sql) => Sql {
  const fields = typeof spec === 'string' ? [spec] : spec;
  if (!Array.isArray(fields) || fields.length === 0 || !fields.every((f) => typeof f === 'string')) {
    throw invalid('$unset needs a field name or an array of field names', location);
  }
  const tree = toTree(
    fields.map((f: string) => splitPath(f, location)),
    location,
  );
  const p = freshAlias(ctx, 'p');
  return (prev) =>
    sql`SELECT nvsq_project(${p}.doc, ${jsonParam(tree, location)}, FALSE) AS doc, ${p}.ord FROM ${prev} AS ${p}`;
}

export function compileReplaceRoot(newRoot: unknown, ctx: CompileContext, location: QueryLocation): (prev: Sql) => Sql {
  const p = freshAlias(ctx, 'p');
  const expr = compileExpression(newRoot, rootScope(sql`${p}.doc`, ctx, location));
  // MongoDB fails the whole aggregation when newRoot is not a document; so do we.
  return (prev) =>
    sql`SELECT (CASE WHEN jsonb_typeof(${expr}) = 'object' THEN ${expr} ELSE nvsq_raise_not_document(${expr}) END) AS doc, ${p}.ord FROM ${prev} AS ${p}`;
}
