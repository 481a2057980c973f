/**
 * The DataStore shared by the postgresql and embedded providers: schema check at start-up, the
 * two stores, change streams, and the changelog retention job.
 */
import { sql } from 'kysely';
import type { DataStoreConfig } from '../../config/types.js';
import type { DataStore, DataStoreCapabilities, HealthEventStore, MaintenanceEventStore } from '../../interfaces.js';
import type { SqlBackend } from './backend.js';
import { ChangeNotifier } from './change-notifier.js';
import { earliestPosition } from './change-position.js';
import { SqlContext } from './context.js';
import { SqlHealthEventStore } from './health-event-store.js';
import { SqlMaintenanceEventStore } from './maintenance-event-store.js';
import { ensureSchema } from './migrator.js';

export const DEFAULT_CHANGELOG_RETENTION_MS = 60 * 60 * 1000;
export const DEFAULT_POLL_INTERVAL_MS = 500;
const DEFAULT_BATCH_SIZE = 500;

export interface SqlDataStoreSettings {
  autoMigrate: boolean;
  changelogRetentionMs: number;
  /** How often the retention job runs; 0 disables the timer (call purgeChangelog yourself). */
  retentionIntervalMs: number;
  pollIntervalMs: number;
  batchSize: number;
}

export function sqlSettingsFromConfig(config: DataStoreConfig, autoMigrateDefault: boolean): SqlDataStoreSettings {
  const o = config.options;
  const retention = typeof o.changelogRetentionMs === 'number' ? o.changelogRetentionMs : DEFAULT_CHANGELOG_RETENTION_MS;
  return {
    autoMigrate: typeof o.autoMigrate === 'boolean' ? o.autoMigrate : autoMigrateDefault,
    changelogRetentionMs: retention,
    retentionIntervalMs:
      typeof o.changelogRetentionIntervalMs === 'number' ? o.changelogRetentionIntervalMs : Math.min(Math.max(retention / 2, 5_000), 300_000),
    pollIntervalMs: typeof o.changeStreamPollIntervalMs === 'number' ? o.changeStreamPollIntervalMs : DEFAULT_POLL_INTERVAL_MS,
    batchSize: typeof o.changeStreamBatchSize === 'number' ? o.changeStreamBatchSize : DEFAULT_BATCH_SIZE,
  };
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
    this.#ctx = new SqlContext(backend, { pollIntervalMs: settings.pollIntervalMs, batchSize: settings.batchSize }, new ChangeNotifier(backend));
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
   * open stream of this process — and older than the retention window. Returns rows deleted.
   */
  purgeChangelog(): Promise<number> {
    this.#purging ??= this.#purge().finally(() => {
      this.#purging = undefined;
    });
    return this.#purging;
  }

  async #purge(): Promise<number> {
    const lowest = earliestPosition([...this.#ctx.streams].map((s) => s.position));
    const openGuard = lowest ? sql`AND (c.txid, c.id) <= (${lowest.txid}::xid8, ${lowest.id}::bigint)` : sql``;
    const result = await this.#ctx.run('purge changelog', (db) =>
      sql`DELETE FROM nvsentinel_changelog c
          WHERE c.changed_at < clock_timestamp() - ${this.#settings.changelogRetentionMs} * interval '1 millisecond'
            AND c.txid < nvs_change_horizon()
            AND NOT EXISTS (SELECT 1 FROM resume_tokens r WHERE (c.txid, c.id) > (r.txid, r.change_id))
            ${openGuard}`.execute(db),
    );
    return Number(result.numAffectedRows ?? 0n);
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
