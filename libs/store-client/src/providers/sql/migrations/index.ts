/**
 * Forward-only schema migrations, applied in version order and never edited once released
 * (add a new one instead). Repeatable steps are re-applied whenever their text changes: they
 * hold only CREATE OR REPLACE definitions (the query translator's SQL functions, the change-stream
 * horizon).
 */
import { QUERY_FUNCTIONS_SQL } from '../../../query/sql/sql-functions.js';
import { INITIAL_SCHEMA_SQL } from './0001_initial_schema.js';
import { CHANGELOG_HISTORY_HORIZON_SQL } from './0002_changelog_history_horizon.js';
import { EVENT_TIME_INDEX_SQL } from './0003_event_time_index.js';
import { CHANGE_STREAM_FUNCTIONS_SQL } from './change-stream-functions.js';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export interface RepeatableMigration {
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial_schema', sql: INITIAL_SCHEMA_SQL },
  { version: 2, name: 'changelog_history_horizon', sql: CHANGELOG_HISTORY_HORIZON_SQL },
  { version: 3, name: 'event_time_index', sql: EVENT_TIME_INDEX_SQL },
];

export const REPEATABLE_MIGRATIONS: readonly RepeatableMigration[] = [
  { name: 'query_functions', sql: QUERY_FUNCTIONS_SQL },
  { name: 'change_stream_functions', sql: CHANGE_STREAM_FUNCTIONS_SQL },
];

/** The schema version this build needs. */
export const REQUIRED_SCHEMA_VERSION = Math.max(...MIGRATIONS.map((m) => m.version));
