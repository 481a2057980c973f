/** What the shared SQL stores need from the datastore that owns them. */
import { sql, type RawBuilder } from 'kysely';
import { DatastoreError } from '../../errors.js';
import type { SqlBackend, SqlDb } from './backend.js';
import type { ChangeNotifier } from './change-notifier.js';
import type { ChangePosition } from './change-position.js';
import type { SqlLogger } from './logger.js';

export interface ChangeStreamSettings {
  /** Fallback poll when no NOTIFY arrives (NOTIFY is only a hint). */
  pollIntervalMs: number;
  /** Changelog rows read per query. */
  batchSize: number;
  /** The changelog maximum age (0 = none), for messages. */
  changelogMaxAgeMs: number;
  /** Told each time a stream continues after its history was lost. */
  onResumeTokenRecovery?: (labels: { client: string; phase: 'initialization' | 'runtime' }) => void;
}

/**
 * Leading SQL comment of statements that repeat with other values (aggregations): a provider may
 * run them as named prepared statements (postgresql does; see postgresql/prepared-statements.ts).
 */
export const PREPARE_MARKER = '/* nvs:prepare */';

export class SqlContext {
  readonly backend: SqlBackend;
  readonly settings: ChangeStreamSettings;
  readonly notifier: ChangeNotifier;
  readonly logger: SqlLogger;
  /**
   * Open change streams: closed with the datastore, and protected from changelog retention (not
   * from the maximum age).
   */
  readonly streams = new Set<{
    readonly clientName: string;
    readonly position: ChangePosition | undefined;
    close(): Promise<void>;
  }>();
  #closed = false;

  constructor(backend: SqlBackend, settings: ChangeStreamSettings, notifier: ChangeNotifier, logger: SqlLogger) {
    this.backend = backend;
    this.settings = settings;
    this.notifier = notifier;
    this.logger = logger;
  }

  get provider(): string {
    return this.backend.provider;
  }

  get db(): SqlDb {
    return this.backend.db;
  }

  get closed(): boolean {
    return this.#closed;
  }

  markClosed(): void {
    this.#closed = true;
  }

  /** Runs a database action, turning every failure into a DatastoreError naming the action. */
  async run<T>(action: string, fn: (db: SqlDb) => Promise<T>): Promise<T> {
    if (this.#closed) {
      throw new DatastoreError('closed', `${action}: the datastore is closed; create a new one with createDataStore`, {
        provider: this.provider,
      });
    }
    try {
      return await fn(this.db);
    } catch (err) {
      throw this.backend.toDatastoreError(err, action);
    }
  }

  validation(message: string, details?: Record<string, unknown>): DatastoreError {
    return new DatastoreError('validation', message, { provider: this.provider, ...(details ? { details } : {}) });
  }

  notFound(what: string, id: string): DatastoreError {
    return new DatastoreError('not_found', `${what} not found: ${id}`, { provider: this.provider, details: { id } });
  }
}

/** `WITH` clause announcing the dotted paths a statement $sets, for the changelog trigger. */
export function announcePaths(paths: readonly string[]): RawBuilder<unknown> {
  return sql`announced AS (SELECT set_config('nvsentinel.set_paths', ${JSON.stringify(paths)}, true) AS paths)`;
}
