/**
 * `backlog()` on MongoDB cannot count unread change events (the oplog is not queryable per
 * consumer), so it counts stored documents newer than the last processed one. To count only the
 * documents the consumer cares about, a change-stream pipeline that selects inserts by their
 * document is turned into the equivalent document filter: `fullDocument.<path>` → `<path>`,
 * `operationType: 'insert'` dropped. Pipelines that look at anything else (updateDescription,
 * `$expr`, other operation types) yield undefined and the count falls back to all newer documents.
 */
import type { Filter, Pipeline } from '../../interfaces.js';

const FULL_DOCUMENT = 'fullDocument.';
const LOGICAL_ARRAYS = new Set(['$and', '$or', '$nor']);

export function insertPipelineAsDocumentFilter(pipeline: Pipeline): Filter | undefined {
  const stages: Filter[] = [];
  for (const stage of pipeline) {
    const match = stage.$match;
    if (Object.keys(stage).length !== 1 || !isRecord(match)) return undefined;
    const translated = translate(match, true);
    if (translated === undefined) return undefined;
    if (Object.keys(translated).length > 0) stages.push(translated);
  }
  if (stages.length === 0) return {};
  return stages.length === 1 ? stages[0] : { $and: stages };
}

function translate(match: Filter, topLevel: boolean): Filter | undefined {
  const out: Filter = {};
  for (const [key, value] of Object.entries(match)) {
    if (key === 'operationType') {
      if (!topLevel || !selectsOnlyInserts(value)) return undefined;
    } else if (LOGICAL_ARRAYS.has(key)) {
      if (!Array.isArray(value)) return undefined;
      const branches: Filter[] = [];
      for (const branch of value) {
        const translated = isRecord(branch) ? translate(branch, false) : undefined;
        if (translated === undefined) return undefined;
        branches.push(translated);
      }
      out[key] = branches;
    } else if (key.startsWith(FULL_DOCUMENT) && key.length > FULL_DOCUMENT.length) {
      out[key.slice(FULL_DOCUMENT.length)] = value;
    } else {
      // $expr, documentKey, updateDescription, ns …: not expressible over stored documents.
      return undefined;
    }
  }
  return out;
}

function selectsOnlyInserts(condition: unknown): boolean {
  if (condition === 'insert') return true;
  if (!isRecord(condition)) return false;
  const keys = Object.keys(condition);
  if (keys.length !== 1) return false;
  if (keys[0] === '$eq') return condition.$eq === 'insert';
  if (keys[0] === '$in')
    return Array.isArray(condition.$in) && condition.$in.length === 1 && condition.$in[0] === 'insert';
  return false;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}
