/**
 * The relations `$lookup` may join, under the collection names upstream pipelines use
 * (MongoDB's HealthEvents / MaintenanceEvents), each exposing the canonical document as `doc`.
 */
import { sql } from 'kysely';
import type { CompileOptions } from '../../query/index.js';

export const LOOKUP_COLLECTIONS: NonNullable<CompileOptions['collections']> = {
  // node_name: the indexed column a rule's `$eq: ["$healthevent.nodename", "$$node"]` lookup uses.
  HealthEvents: sql`(SELECT document AS doc, node_name FROM health_events)`,
  MaintenanceEvents: sql`(SELECT document AS doc FROM maintenance_events)`,
};

/** Which of those columns mirror a document path (see CompileOptions.lookupIndexedColumns). */
export const LOOKUP_INDEXED_COLUMNS: NonNullable<CompileOptions['lookupIndexedColumns']> = {
  HealthEvents: { 'healthevent.nodename': { column: 'node_name', type: 'text' } },
};
