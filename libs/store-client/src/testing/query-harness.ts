/**
 * Test harness for the query translator: a throw-away PostgreSQL database with the helper
 * functions and one table `docs(doc jsonb)`, plus the same operations evaluated by mingo (an
 * independent MongoDB engine) so tests can compare the two.
 */
import pg from 'pg';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { Aggregator, Query } from 'mingo';
import { createTestDatabase, type TestDatabase } from './postgres.js';
import { fromJsonValue, toJsonValue } from '../codec/ejson.js';
import {
  QUERY_FUNCTIONS_SQL,
  compileFilter,
  compilePipeline,
  type CompileOptions,
  type Filter,
  type Pipeline,
} from '../query/index.js';

export interface QueryHarness {
  db: Kysely<Record<string, never>>;
  /** Replaces the table contents (and the copy mingo sees). */
  load(docs: Record<string, unknown>[]): Promise<void>;
  /** `_id`s matching the filter in SQL, in table order. */
  sqlFilterIds(filter: Filter, options?: CompileOptions): Promise<unknown[]>;
  sqlAggregate(pipeline: Pipeline, options?: CompileOptions): Promise<unknown[]>;
  close(): Promise<void>;
}

export async function createQueryHarness(prefix: string, extraCollections: string[] = []): Promise<QueryHarness> {
  const database: TestDatabase = await createTestDatabase(prefix);
  // jit=off as the providers should run it: LLVM-compiling these wide jsonb expressions costs
  // 0.2–2 s per statement, far more than executing them (see query/README.md).
  const pool = new pg.Pool({ connectionString: database.url, max: 2, options: '-c jit=off' });
  // An idle client's error (e.g. the server ending it while the database is dropped) must not
  // crash the test process; queries still see their own errors.
  pool.on('error', () => undefined);
  const db = new Kysely<Record<string, never>>({ dialect: new PostgresDialect({ pool }) });
  await sql.raw(QUERY_FUNCTIONS_SQL).execute(db);
  await sql`CREATE TABLE docs (id serial PRIMARY KEY, doc jsonb NOT NULL)`.execute(db);
  for (const name of extraCollections)
    await sql`CREATE TABLE ${sql.id(name)} (id serial PRIMARY KEY, doc jsonb NOT NULL)`.execute(db);
  return {
    db,
    async load(docs) {
      await sql`TRUNCATE docs RESTART IDENTITY`.execute(db);
      if (docs.length) {
        await sql`INSERT INTO docs (doc) SELECT value FROM jsonb_array_elements(${JSON.stringify(docs.map(toJsonValue))}::jsonb) WITH ORDINALITY ORDER BY ordinality`.execute(
          db,
        );
      }
      await sql`ANALYZE docs`.execute(db);
    },
    async sqlFilterIds(filter, options) {
      const where = compileFilter(filter, sql`doc`, options);
      const { rows } = await sql<{
        doc_id: unknown;
      }>`SELECT doc -> '_id' AS doc_id FROM docs WHERE ${where} ORDER BY docs.id`.execute(db);
      return rows.map((r) => r.doc_id);
    },
    async sqlAggregate(pipeline, options) {
      // "Events" is the docs table itself, for self-$lookup tests.
      const withEvents = {
        ...options,
        collections: { Events: sql`(SELECT doc FROM docs ORDER BY id)`, ...options?.collections },
      };
      const { rows } = await compilePipeline(pipeline, sql`(SELECT doc FROM docs ORDER BY id)`, withEvents).execute(db);
      return rows.map((r) => fromJsonValue(r.doc));
    },
    async close() {
      await db.destroy();
      await database.drop();
    },
  };
}

/**
 * Rewrites a filter into an equivalent one (by MongoDB's documentation) that mingo evaluates the
 * way MongoDB does, where mingo deviates:
 * - `$all: [a, b]` is documented as `$and: [{f: a}, {f: b}]`; mingo's $all never matches a
 *   non-array field (`{tags: {$all: ["x"]}}` vs `{tags: "x"}`).
 * - `$in`/`$nin` are documented as an `$or`/`$nor` of equalities; mingo's $in never matches a whole
 *   array value (`{a: {$in: [["x"]]}}` vs `{a: ["x"]}`).
 * - `$gte: null` / `$lte: null` match null and missing like `{f: null}`, and `$gt`/`$lt: null`
 *   match nothing; mingo's range operators never match a missing field.
 * - `$type` matches when an array element has the type (documented "Querying by Array Type");
 *   mingo only tests the field itself.
 */
function toMingoEquivalent(filter: unknown): unknown {
  if (Array.isArray(filter)) return filter.map(toMingoEquivalent);
  if (!isObject(filter)) return filter;
  const extra: Record<string, unknown>[] = [];
  const plain: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(filter)) {
    if (key === '$and' || key === '$or' || key === '$nor') plain[key] = (value as unknown[]).map(toMingoEquivalent);
    else if (key.startsWith('$')) plain[key] = value;
    else if (isObject(value) && Object.keys(value).some((k) => k.startsWith('$')))
      extra.push(...rewriteField(key, value));
    else plain[key] = value;
  }
  return extra.length ? { $and: [plain, ...extra] } : plain;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date) && !(v instanceof RegExp);
}

/** One field's operator object → filters whose conjunction is equivalent. */
function rewriteField(field: string, ops: Record<string, unknown>): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const rest: Record<string, unknown> = {};
  for (const [op, v] of Object.entries(ops)) {
    if (op === '$all' && Array.isArray(v) && v.length > 0) out.push(...v.map((x) => ({ [field]: x })));
    else if ((op === '$in' || op === '$nin') && Array.isArray(v) && v.some(Array.isArray)) {
      const alternatives = v.map((x) => ({ [field]: x }));
      out.push(
        op === '$in'
          ? { $or: alternatives.length ? alternatives : [{ [field]: { $in: [] } }] }
          : { $nor: alternatives.length ? alternatives : [{ [field]: { $in: [] } }] },
      );
    } else if (op === '$type' && v !== 'array' && v !== 4) {
      out.push({ $or: [{ [field]: { $type: v } }, { [field]: { $elemMatch: { $type: v } } }] });
    } else if (v === null && (op === '$gt' || op === '$lt')) out.push({ [field]: { $in: [] } });
    else if (v === null && (op === '$gte' || op === '$lte')) out.push({ [field]: null });
    else if (op === '$not' && isObject(v)) {
      const inner = rewriteField(field, v);
      out.push({ $nor: [inner.length === 1 ? inner[0] : { $and: inner }] });
    } else rest[op] = v;
  }
  if (Object.keys(rest).length) out.push({ [field]: rest });
  return out;
}

/** mingo's answer for a filter: matching `_id`s in input order. */
export function mingoFilterIds(filter: Filter, docs: Record<string, unknown>[]): unknown[] {
  const query = new Query(toMingoEquivalent(filter) as Filter);
  return docs.filter((d) => query.test(d)).map((d) => d._id);
}

/**
 * mingo's answer for a pipeline, with two documented MongoDB behaviours restored: `$match`
 * filters go through `toMingoEquivalent`, and `$count` over no documents yields no document
 * (mingo yields `{count: 0}`).
 */
export function mingoAggregate(
  pipeline: Pipeline,
  docs: Record<string, unknown>[],
  collections: Record<string, Record<string, unknown>[]> = {},
): unknown[] {
  const aggregator = new Aggregator(pipeline.map(rewriteStage), {
    collectionResolver: (name: string) => collections[name] ?? (name === 'Events' ? structuredClone(docs) : []),
  });
  return fixEmptyCount(pipeline, aggregator.run(structuredClone(docs)));
}

function rewriteStage(stage: Record<string, unknown>): Record<string, unknown> {
  if ('$match' in stage) return { $match: toMingoEquivalent(stage.$match) };
  if ('$facet' in stage) {
    return {
      $facet: Object.fromEntries(
        Object.entries(stage.$facet as Record<string, Pipeline>).map(([k, p]) => [k, p.map(rewriteStage)]),
      ),
    };
  }
  return stage;
}

function fixEmptyCount(pipeline: Pipeline, result: unknown[]): unknown[] {
  const last = pipeline[pipeline.length - 1];
  if (
    last &&
    '$count' in last &&
    result.length === 1 &&
    (result[0] as Record<string, unknown>)[last.$count as string] === 0
  )
    return [];
  if (last && '$facet' in last) {
    const facets = last.$facet as Record<string, Pipeline>;
    return result.map((doc) =>
      Object.fromEntries(
        Object.entries(doc as Record<string, unknown[]>).map(([k, v]) => [
          k,
          facets[k] ? fixEmptyCount(facets[k], v) : v,
        ]),
      ),
    );
  }
  return result;
}

/**
 * Deep equality for query results: numbers within floating-point noise (SQL numeric vs JS
 * double), dates by instant, object keys in any order (jsonb does not keep key order).
 */
export function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') {
    return a === b || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  }
  if (a instanceof Date || b instanceof Date)
    return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
    const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
    return (
      ka.length === kb.length &&
      ka.every((k) => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
    );
  }
  return a === b;
}

/** Where two results first differ (for readable failure messages), or undefined when equal. */
export function firstDifference(a: unknown, b: unknown, path = '$'): string | undefined {
  if (sameValue(a, b)) return undefined;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const d = firstDifference(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
  } else if (a && b && typeof a === 'object' && typeof b === 'object' && !(a instanceof Date) && !(b instanceof Date)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
      if (d) return d;
    }
  }
  return `${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
}

/** Sorts the elements of set-valued fields so two correct answers compare equal. */
function normaliseSets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normaliseSets);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        k.startsWith('set_') && Array.isArray(v)
          ? [...v].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1))
          : normaliseSets(v),
      ]),
    );
  }
  return value;
}

/**
 * True when the output order is unspecified: the last $group comes after the last $sort. (Sorting
 * compound group keys is left out: MongoDB orders embedded documents field by field in insertion
 * order, which jsonb does not keep — see README.)
 */
function endsUnordered(pipeline: Record<string, unknown>[]): boolean {
  const last = (name: string) => pipeline.map((s) => name in s).lastIndexOf(true);
  return last('$group') > last('$sort');
}

/** Puts results whose order MongoDB leaves unspecified (also inside $facet) in a canonical order. */
function orderUnordered(pipeline: Record<string, unknown>[], rows: unknown[]): unknown[] {
  const last = pipeline[pipeline.length - 1];
  if (last && '$facet' in last) {
    const facets = last.$facet as Record<string, Record<string, unknown>[]>;
    return rows.map((doc) =>
      Object.fromEntries(
        Object.entries(doc as Record<string, unknown[]>).map(([k, v]) => [
          k,
          facets[k] ? orderUnordered(facets[k], v) : v,
        ]),
      ),
    );
  }
  return endsUnordered(pipeline) ? canonicalOrder(rows) : rows;
}

function canonicalOrder(rows: unknown[]): unknown[] {
  const key = (v: unknown) =>
    JSON.stringify(v, (_k, x) =>
      x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort()) : x,
    );
  return [...rows].sort((a, b) => (key(a) < key(b) ? -1 : 1));
}

/** What differential tests compare: sets sorted, unspecified orders made canonical. */
export function normaliseResult(pipeline: Record<string, unknown>[], rows: unknown[]): unknown[] {
  return orderUnordered(pipeline, normaliseSets(rows) as unknown[]);
}
