/**
 * Filters are written over the canonical document, where `_id` is a hex string. MongoDB stores
 * it as an ObjectId, and a string never equals an ObjectId, so before a filter reaches the
 * server every 24-hex string compared against `_id` becomes an ObjectId — at the top level and
 * inside `$and`/`$or`/`$nor`, in equality and in `$eq $ne $in $nin $gt $gte $lt $lte $not`.
 * Everything else is passed through untouched (the server evaluates it natively).
 *
 * Change-stream pipelines (only `$match` stages) get the same treatment for the ids of a change
 * event, `documentKey._id` and `fullDocument._id`, so `{ $match: { 'documentKey._id': id } }`
 * with an id from this API selects that document's changes, as on every provider.
 *
 * Aggregation pipelines are deliberately NOT rewritten: after a `$group` or `$project`, `_id`
 * may be anything, so they go to the server as given (match `_id` with an ObjectId or
 * `$toString`); only their results are converted back (see bson-values.ts).
 */
import type { Filter, Pipeline } from '../../interfaces.js';
import { objectIdFromHex } from './bson-values.js';

const LOGICAL_ARRAYS = new Set(['$and', '$or', '$nor']);
const ID_OPERATORS_SCALAR = new Set(['$eq', '$ne', '$gt', '$gte', '$lt', '$lte']);
const ID_OPERATORS_ARRAY = new Set(['$in', '$nin']);

const DOCUMENT_ID_PATHS: ReadonlySet<string> = new Set(['_id']);
const CHANGE_EVENT_ID_PATHS: ReadonlySet<string> = new Set(['documentKey._id', 'fullDocument._id']);

export function filterToBson(
  filter: Filter,
  idPaths: ReadonlySet<string> = DOCUMENT_ID_PATHS,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(filter)) {
    if (LOGICAL_ARRAYS.has(key) && Array.isArray(value)) {
      out[key] = value.map((branch: unknown) => (isRecord(branch) ? filterToBson(branch, idPaths) : branch));
    } else if (idPaths.has(key)) {
      out[key] = idConditionToBson(value);
    } else {
      out[key] = value;
    }
  }
  return out;
}

/** A change-stream pipeline of `$match` stages with the change event's id paths converted. */
export function changeStreamPipelineToBson(pipeline: Pipeline): Record<string, unknown>[] {
  return pipeline.map((stage) =>
    isRecord(stage.$match) ? { ...stage, $match: filterToBson(stage.$match, CHANGE_EVENT_ID_PATHS) } : { ...stage },
  );
}

function idConditionToBson(condition: unknown): unknown {
  if (typeof condition === 'string') return objectIdFromHex(condition) ?? condition;
  if (!isRecord(condition) || !Object.keys(condition).every((k) => k.startsWith('$'))) return condition;
  const out: Record<string, unknown> = {};
  for (const [op, operand] of Object.entries(condition)) {
    if (ID_OPERATORS_SCALAR.has(op)) out[op] = idConditionToBson(operand);
    else if (ID_OPERATORS_ARRAY.has(op) && Array.isArray(operand)) out[op] = operand.map(idConditionToBson);
    else if (op === '$not') out[op] = idConditionToBson(operand);
    else out[op] = operand;
  }
  return out;
}

/** A plain object literal (not an array, Date, ObjectId or other BSON value). */
function isRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Date) return false;
  return !('_bsontype' in value);
}
