/**
 * The DataStore shared by the postgresql and embedded providers: schema check at start-up, the
 * two stores, change streams, and the changelog retention job.
 */
import { sql } from 'kysely';
import { changelogAges } from '../../config/options.js';
import type { DataStoreConfig } from '../../config/types.js';
import type {
  DataStore,
  DataStoreCapabilities,
  HealthEventStore,
  MaintenanceEventStore,
  PurgeChangelogOptions,
} from '../../interfaces.js';
import type { SqlBackend } from './backend.js';
import { ChangeNotifier } from './change-notifier.js';
import { comparePositions, earliestPosition, encodeResumeToken, type ChangePosition } from './change-position.js';
import { WATCHED_TABLE } from './change-stream.js';
import { SqlContext } from './context.js';
import { decodeJson } from './documents.js';
import { SqlHealthEventStore } from './health-event-store.js';
import { loggerOption, stderrLogger, type SqlLogger } from './logger.js';
import { SqlMaintenanceEventStore } from './maintenance-event-store.js';
import { ensureSchema } from './migrator.js';

const DEFAULT_POLL_INTERVAL_MS = 500;
const DEFAULT_BATCH_SIZE = 500;

export interface SqlDataStoreSettings {
  autoMigrate: boolean;
  changelogRetentionMs: number;
  /** Changes older than this are deleted whoever still needs them; 0 = no maximum. */
  changelogMaxAgeMs: number;
  /** How often the retention job runs; 0 disables the timer (call purgeChangelog yourself). */
  retentionIntervalMs: number;
  pollIntervalMs: number;
  batchSize: number;
  /** Warnings (history lost); default JSON lines on stderr. */
  logger?: SqlLogger;
  /** Counts change streams restarted after their history was lost (upstream's recovery metric). */
  onResumeTokenRecovery?: DataStoreConfig['options']['onResumeTokenRecovery'];
}

/** Throws DatastoreError('configuration') for a maximum age below the retention window. */
export function sqlSettingsFromConfig(config: DataStoreConfig, autoMigrateDefault: boolean): SqlDataStoreSettings {
  const o = config.options;
  const { retentionMs: retention, maxAgeMs } = changelogAges(o);
  const logger = loggerOption(o.logger);
  return {
    autoMigrate: typeof o.autoMigrate === 'boolean' ? o.autoMigrate : autoMigrateDefault,
    changelogRetentionMs: retention,
    changelogMaxAgeMs: maxAgeMs,
    retentionIntervalMs:
      typeof o.changelogRetentionIntervalMs === 'number'
        ? o.changelogRetentionIntervalMs
        : Math.min(Math.max(retention / 2, 5_000), 300_000),
    pollIntervalMs:
      typeof o.changeStreamPollIntervalMs === 'number' ? o.changeStreamPollIntervalMs : DEFAULT_POLL_INTERVAL_MS,
    batchSize: typeof o.changeStreamBatchSize === 'number' ? o.changeStreamBatchSize : DEFAULT_BATCH_SIZE,
    ...(logger ? { logger } : {}),
    ...(typeof o.onResumeTokenRecovery === 'function' ? { onResumeTokenRecovery: o.onResumeTokenRecovery } : {}),
  };
}

interface PurgeRow {
  deleted: string;
  new_txid: string | null;
  new_id: string | null;
  old_txid: string | null;
  old_id: string | null;
  lost_clients: unknown;
}

export class SqlDataStore implements DataStore {
  readonly #ctx: SqlContext;
  readonly #settings: SqlDataStoreSettings;
  readonly #healthEvents: SqlHealthEventStore;
  readonly #maintenanceEvents: SqlMaintenanceEventStore;
  #retentionTimer: NodeJS.Timeout | undefined;
  #purging: Promise<number> | undefined;
  #closing: Promise<void> | undefined;

  private constructor(backend: SqlBackend, settings: SqlDataStoreSettings) {
    this.#settings = settings;
    this.#ctx = new SqlContext(
      backend,
      {
        pollIntervalMs: settings.pollIntervalMs,
        batchSize: settings.batchSize,
        changelogMaxAgeMs: settings.changelogMaxAgeMs,
        ...(settings.onResumeTokenRecovery ? { onResumeTokenRecovery: settings.onResumeTokenRecovery } : {}),
      },
      new ChangeNotifier(backend),
      settings.logger ?? stderrLogger(backend.provider),
    );
    this.#healthEvents = new SqlHealthEventStore(this.#ctx);
    this.#maintenanceEvents = new SqlMaintenanceEventStore(this.#ctx);
  }

  /** Checks (or migrates) the schema, then starts the retention job. Shuts the backend down on failure. */
  static async open(backend: SqlBackend, settings: SqlDataStoreSettings): Promise<SqlDataStore> {
    const store = new SqlDataStore(backend, settings);
    try {
      await store.#ctx.run('check schema version', (db) => ensureSchema(db, settings.autoMigrate, backend.provider));
    } catch (err) {
      await store.close();
      throw err;
    }
    if (settings.retentionIntervalMs > 0) {
      store.#retentionTimer = setInterval(() => {
        store.purgeChangelog().catch(() => {
          // Retried at the next tick; a failing database shows up in every other call too.
        });
      }, settings.retentionIntervalMs);
      store.#retentionTimer.unref();
    }
    return store;
  }

  get provider(): string {
    return this.#ctx.provider;
  }

  get capabilities(): DataStoreCapabilities {
    return this.#ctx.backend.capabilities;
  }

  healthEventStore(): HealthEventStore {
    return this.#healthEvents;
  }

  maintenanceEventStore(): MaintenanceEventStore {
    return this.#maintenanceEvents;
  }

  async ping(): Promise<void> {
    await this.#ctx.run('ping', (db) => sql`SELECT 1`.execute(db));
  }

  /**
   * Deletes changelog rows every consumer is past — behind every stored resume token and every
   * open stream of this process — and older than the retention window; and every row older than
   * the maximum age, whoever still needs it. The highest position deleted for its age becomes the
   * history horizon (in the same statement, so a reader sees both or neither): a stream below it
   * has lost history. Returns rows deleted.
   */
  purgeChangelog(options: PurgeChangelogOptions = {}): Promise<number> {
    if (options.now === undefined) {
      this.#purging ??= this.#purge(options).finally(() => {
        this.#purging = undefined;
      });
      return this.#purging;
    }
    // A purge against another clock runs on its own, after the one in flight.
    return (this.#purging?.catch(() => 0) ?? Promise.resolve(0)).then(() => this.#purge(options));
  }

  async #purge(options: PurgeChangelogOptions): Promise<number> {
    const { changelogRetentionMs: retention, changelogMaxAgeMs: maxAge } = this.#settings;
    const lowest = earliestPosition([...this.#ctx.streams].map((s) => s.position));
    const openGuard = lowest ? sql`AND (c.txid, c.id) <= (${lowest.txid}::xid8, ${lowest.id}::bigint)` : sql``;
    const now = options.now ? sql`${options.now.toISOString()}::timestamptz` : sql`clock_timestamp()`;
    const expired = maxAge > 0 ? sql`c.changed_at < p.now - ${maxAge} * interval '1 millisecond'` : sql`false`;
    // maxAge >= retention (checked with the configuration), so every deleted row is older than
    // the retention window: the outer condition holds for both kinds and lets the index help.
    const result = await this.#ctx.run('purge changelog', (db) =>
      sql<PurgeRow>`WITH p AS MATERIALIZED (SELECT ${now} AS now, nvs_change_horizon() AS horizon),
        deleted AS (
          DELETE FROM nvsentinel_changelog c USING p
          WHERE c.txid < p.horizon
            AND c.changed_at < p.now - ${retention} * interval '1 millisecond'
            AND ((NOT EXISTS (SELECT 1 FROM resume_tokens r WHERE (c.txid, c.id) > (r.txid, r.change_id)) ${openGuard})
                 OR ${expired})
          RETURNING c.table_name, c.txid, c.id, ${expired} AS expired
        ),
        reached AS (
          SELECT DISTINCT ON (table_name) table_name, txid, id FROM deleted WHERE expired
          ORDER BY table_name, txid DESC, id DESC
        ),
        moved AS (
          INSERT INTO nvsentinel_changelog_horizon AS h (table_name, txid, change_id, updated_at)
          SELECT table_name, txid, id, now() FROM reached
          ON CONFLICT (table_name) DO UPDATE
          SET txid = EXCLUDED.txid, change_id = EXCLUDED.change_id, updated_at = EXCLUDED.updated_at
          WHERE (h.txid, h.change_id) < (EXCLUDED.txid, EXCLUDED.change_id)
          RETURNING 1
        ),
        lost AS (
          -- consumers whose stored position this purge passed (those below the old horizon were
          -- reported when it passed them)
          SELECT r.client_name FROM resume_tokens r, reached n
          LEFT JOIN nvsentinel_changelog_horizon o ON o.table_name = n.table_name
          WHERE n.table_name = ${WATCHED_TABLE}
            AND (r.txid, r.change_id) < (n.txid, n.id)
            AND (o.txid IS NULL OR (r.txid, r.change_id) >= (o.txid, o.change_id))
        )
        SELECT (SELECT count(*) FROM deleted)::text AS deleted,
          n.txid::text AS new_txid, n.id::text AS new_id, o.txid::text AS old_txid, o.change_id::text AS old_id,
          (SELECT coalesce(jsonb_agg(client_name ORDER BY client_name), '[]'::jsonb) FROM lost) AS lost_clients
        FROM (SELECT 1) AS one
        LEFT JOIN reached n ON n.table_name = ${WATCHED_TABLE}
        LEFT JOIN nvsentinel_changelog_horizon o ON o.table_name = ${WATCHED_TABLE}`.execute(db),
    );
    const row = result.rows[0]!;
    if (row.new_txid !== null && row.new_id !== null) this.#reportHistoryLost(row, maxAge);
    return Number(row.deleted);
  }

  /** One warning per purge naming the consumers whose unprocessed changes it deleted. */
  #reportHistoryLost(row: PurgeRow, maxAgeMs: number): void {
    const reached: ChangePosition = { txid: row.new_txid!, id: row.new_id! };
    const previous: ChangePosition | undefined =
      row.old_txid !== null && row.old_id !== null ? { txid: row.old_txid, id: row.old_id } : undefined;
    const clients = new Set(decodeJson(row.lost_clients) as string[]);
    // Open streams of this process that had read less than the deleted rows (they may have
    // stored no token yet); each also warns itself when it notices.
    for (const stream of this.#ctx.streams) {
      const p = stream.position;
      if (p && comparePositions(p, reached) < 0 && (!previous || comparePositions(p, previous) >= 0))
        clients.add(stream.clientName);
    }
    if (clients.size === 0) return;
    this.#ctx.logger.warn(
      {
        clients: [...clients].sort(),
        changelogMaxAgeSeconds: maxAgeMs / 1000,
        historyHorizon: encodeResumeToken(previous && comparePositions(previous, reached) > 0 ? previous : reached),
      },
      'changelog maximum age reached: changes these consumers had not processed were deleted. Each reports history lost ' +
        '(onHistoryLost, or DatastoreError resume_token) when it reads or starts next, and should run its cold-start scan. ' +
        'Raise DATASTORE_CHANGELOG_MAX_AGE_SECONDS if consumers may lag this long; consumers that no longer exist need nothing.',
    );
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    if (this.#retentionTimer) clearInterval(this.#retentionTimer);
    await Promise.all([...this.#ctx.streams].map((s) => s.close()));
    await this.#purging?.catch(() => undefined);
    this.#ctx.markClosed();
    await this.#ctx.notifier.close();
    await this.#ctx.db.destroy();
    await this.#ctx.backend.shutdown();
  }
}
