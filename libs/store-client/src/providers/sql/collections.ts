/**
 * The relations `$lookup` may join, under the collection names upstream pipelines use
 * (MongoDB's HealthEvents / MaintenanceEvents), each exposing the canonical document as `doc`.
 */
import { sql } from 'kysely';
import type { CompileOptions } from '../../query/index.js';

export const LOOKUP_COLLECTIONS: NonNullable<CompileOptions['collections']> = {
  HealthEvents: sql`(SELECT document AS doc FROM health_events)`,
  MaintenanceEvents: sql`(SELECT document AS doc FROM maintenance_events)`,
};
