/**
 * Change streams on PostgreSQL (server or PGlite) without losing events.
 *
 * The changelog trigger writes one row per change with the writing transaction's id (xid8). The
 * reader only reads rows whose transaction is older than the oldest transaction of this database
 * still running (`nvs_change_horizon()`, computed from its own snapshot) and reads them in
 * (txid, id) order. A transaction that
 * commits late therefore holds the reader back instead of being overtaken — the sequence-gap
 * bug of polling `id > last` (upstream #1466) cannot happen. NOTIFY only wakes the reader; a
 * fallback poll covers missed notifications and horizons released by transactions that wrote
 * nothing here.
 *
 * History lost: retention deletes changes older than the changelog maximum age even when a
 * consumer has not processed them, and records the highest position it deleted that way (the
 * history horizon, nvsentinel_changelog_horizon). A stream whose position is below it cannot
 * deliver everything after its position any more: like MongoDB's ChangeStreamHistoryLost, it
 * tells the consumer (onHistoryLost), or, at runtime without a listener, ends with
 * DatastoreError resume_token. Unlike MongoDB, which can only restart from now, it moves its
 * position (and stored token) to the history horizon, so every change still retained is
 * delivered: only what the maximum age deleted is lost. The check rides on the queries the
 * stream runs anyway (start position, each read), not an extra round trip.
 *
 * The consumer's `$match` stages are compiled to SQL and evaluated by the database on the change
 * event built in SQL, in MongoDB's shape (operationType, fullDocument looked up at read time,
 * documentKey, updateDescription with dotted updatedFields keys, clusterTime). Rows that do not
 * match still advance the position.
 */
import { sql, type RawBuilder } from 'kysely';
import { DatastoreError, isDatastoreError } from '../../errors.js';
import type {
  BlockingTransaction,
  ChangeEvent,
  ChangeStream,
  ChangeStreamPhase,
  Document,
  HistoryLostInfo,
  HistoryLostListener,
  OperationType,
  Pipeline,
  WatchOptions,
} from '../../interfaces.js';
import { compileFilter } from '../../query/index.js';
import {
  comparePositions,
  decodeResumeToken,
  encodeResumeToken,
  StartSnapshot,
  type ChangePosition,
} from './change-position.js';
import type { SqlContext } from './context.js';
import { decodeJson } from './documents.js';

export const WATCHED_TABLE = 'health_events';
/** Log a read failure on the first and then every this many consecutive failures. */
const LOG_EVERY_FAILURES = 20;
/** The longest wait between two reads while the datastore is unreachable. */
const MAX_RETRY_WAIT_MS = 5_000;

interface ChangeRow {
  txid: string;
  id: string;
  changed_at: Date | string;
  event: unknown;
}

/** A read: the rows, and the history horizon when it is above the position read from. */
interface ChangeBatch {
  rows: ChangeRow[];
  lostAt: ChangePosition | undefined;
}

/** "Now" for a stream, and the history horizon (when the maximum age ever deleted anything). */
interface HorizonStart {
  position: ChangePosition;
  snapshot: StartSnapshot;
  historyHorizon: ChangePosition | undefined;
}

export class SqlChangeStream implements ChangeStream {
  readonly clientName: string;
  readonly #ctx: SqlContext;
  readonly #filter: RawBuilder<unknown> | undefined;
  readonly #startAt: 'resume' | 'now';
  readonly #onHistoryLost: HistoryLostListener | undefined;
  #position: ChangePosition | undefined;
  #startSnapshot: StartSnapshot | undefined;
  #startedFrom: 'resumed' | 'fresh' | undefined;
  #started: Promise<void> | undefined;
  #unsubscribe: (() => void) | undefined;
  #iterating = false;
  #closed = false;
  #dirty = true;
  #wake: (() => void) | undefined;

  constructor(ctx: SqlContext, options: WatchOptions) {
    this.#ctx = ctx;
    this.clientName = options.clientName;
    this.#startAt = options.startAt ?? 'resume';
    if (this.#startAt !== 'resume' && this.#startAt !== 'now') {
      throw ctx.validation(`watch: startAt must be 'resume' or 'now', got ${JSON.stringify(options.startAt)}`);
    }
    if (options.onHistoryLost !== undefined && typeof options.onHistoryLost !== 'function') {
      throw ctx.validation('watch: onHistoryLost must be a function');
    }
    this.#onHistoryLost = options.onHistoryLost;
    this.#filter = compileEventFilter(options.pipeline ?? [], ctx.provider);
    ctx.streams.add(this);
  }

  /** The last change read (in memory; may be ahead of the stored token). */
  get position(): ChangePosition | undefined {
    return this.#position;
  }

  [Symbol.asyncIterator](): AsyncIterator<ChangeEvent> {
    if (this.#iterating) {
      throw new DatastoreError(
        'change_stream',
        `change stream '${this.clientName}' is already being iterated; open another watch() instead`,
        {
          provider: this.#ctx.provider,
        },
      );
    }
    this.#iterating = true;
    return this.#events();
  }

  started(): Promise<void> {
    return this.#ensureStarted();
  }

  startedFrom(): 'resumed' | 'fresh' | undefined {
    return this.#startedFrom;
  }

  async markProcessed(resumeToken: string): Promise<void> {
    await this.#storePosition(decodeResumeToken(resumeToken, this.#ctx.provider));
  }

  async #storePosition(position: ChangePosition): Promise<void> {
    await this.#ctx.run('store resume token', (db) =>
      sql`INSERT INTO resume_tokens (client_name, txid, change_id, updated_at)
          VALUES (${this.clientName}, ${position.txid}::xid8, ${position.id}::bigint, now())
          ON CONFLICT (client_name) DO UPDATE
          SET txid = EXCLUDED.txid, change_id = EXCLUDED.change_id, updated_at = EXCLUDED.updated_at
          -- only forward: handlers finishing out of order (unawaited markProcessed calls) must
          -- not move the position back
          WHERE (resume_tokens.txid, resume_tokens.change_id) < (EXCLUDED.txid, EXCLUDED.change_id)`.execute(db),
    );
  }

  async backlog(): Promise<number> {
    const stored = await this.#storedPosition();
    const from = stored ?? this.#position ?? (await this.#horizonStart()).position;
    const result = await this.#ctx.run('count change-stream backlog', (db) =>
      sql<{ n: string }>`WITH ${changesAfter(from, undefined)}
        SELECT count(*)::text AS n FROM events WHERE ${this.#filter ?? sql`true`}`.execute(db),
    );
    return Number(result.rows[0]?.n ?? 0);
  }

  /** What holds delivery back, if anything: a long transaction stalls every stream (the horizon). */
  async blockingTransaction(): Promise<BlockingTransaction> {
    const from = this.#position ?? (await this.#horizonStart()).position;
    const waiting = await this.#ctx.run('inspect change-stream horizon', (db) =>
      sql<{ waiting: boolean }>`SELECT EXISTS (
          SELECT 1 FROM nvsentinel_changelog
          WHERE table_name = ${WATCHED_TABLE} AND (txid, id) > (${from.txid}::xid8, ${from.id}::bigint)
            AND txid >= nvs_change_horizon()) AS waiting`.execute(db),
    );
    let transaction: BlockingTransaction['transaction'] = null;
    try {
      const holder = await sql<{
        pid: number;
        xid: string;
        xact_start: Date | null;
        state: string | null;
        query: string | null;
      }>`
        SELECT pid, backend_xid::text AS xid, xact_start, state, left(query, 200) AS query
        FROM pg_stat_activity
        WHERE backend_xid IS NOT NULL
          AND backend_xid::text::bigint = (nvs_change_horizon()::text::numeric % 4294967296)
        LIMIT 1`.execute(this.#ctx.db);
      const row = holder.rows[0];
      if (row)
        transaction = { pid: row.pid, xid: row.xid, startedAt: row.xact_start, state: row.state, query: row.query };
    } catch {
      // pg_stat_activity may be restricted; the waiting flag alone still tells the story.
    }
    return { changesWaiting: waiting.rows[0]?.waiting === true, transaction };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#ctx.streams.delete(this);
    this.#unsubscribe?.();
    this.#signal();
  }

  async *#events(): AsyncGenerator<ChangeEvent> {
    try {
      await this.#ensureStarted();
      let failures = 0;
      while (!this.#closed) {
        this.#dirty = false;
        let batch: ChangeBatch;
        try {
          batch = await this.#fetch();
          failures = 0;
        } catch (err) {
          if (this.#closed || this.#ctx.closed) return;
          failures += 1;
          // A datastore outage of any length is waited out: the consumer keeps its place and
          // continues when the server is back, instead of exiting into a crash loop.
          if (!isDatastoreError(err) || !err.isRetryable) throw err;
          if (failures === 1 || failures % LOG_EVERY_FAILURES === 0) {
            this.#ctx.logger.warn(
              { client: this.clientName, failures, err: err.message },
              'change stream cannot read the changelog; retrying',
            );
          }
          await this.#waitForChange(Math.min(this.#ctx.settings.pollIntervalMs * failures, MAX_RETRY_WAIT_MS));
          continue;
        }
        if (batch.lostAt) {
          // Outside the try: an error from the recovery (resume_token without a listener, or
          // the listener's own) ends the iteration instead of being retried as a read error.
          await this.#historyLost('runtime', this.#position!, batch.lostAt);
          continue;
        }
        const { rows } = batch;
        for (const row of rows) {
          if (this.#closed) return;
          this.#position = { txid: row.txid, id: row.id };
          if (this.#startSnapshot) {
            if (this.#startSnapshot.committedBeforeStart(row.txid)) continue;
            if (this.#startSnapshot.isBehind(row.txid)) this.#startSnapshot = undefined;
          }
          if (row.event === null || row.event === undefined) continue;
          yield toChangeEvent(row);
        }
        if (rows.length < this.#ctx.settings.batchSize) await this.#waitForChange(this.#ctx.settings.pollIntervalMs);
      }
    } finally {
      await this.close();
    }
  }

  #ensureStarted(): Promise<void> {
    this.#started ??= this.#start();
    return this.#started;
  }

  async #start(): Promise<void> {
    // Listen before reading the position: a change committed in between is then either read
    // by the first fetch or announced by a notification — never neither.
    this.#unsubscribe = await this.#ctx.notifier.subscribe(() => this.#signal());
    if (this.#closed) this.#unsubscribe();
    if (this.#startAt === 'now') {
      await this.#deleteStoredToken();
    }
    const stored = this.#startAt === 'resume' ? await this.#storedPosition() : undefined;
    this.#startedFrom = stored ? 'resumed' : 'fresh';
    const start = await this.#horizonStart();
    if (stored && start.snapshot.isBehind(stored.txid)) {
      // A token naming a transaction that has not even started belongs to another database
      // lifetime (restored or rebuilt, xids restarted). Resuming there would skip everything
      // until the xids catch up, so forget it and re-deliver every retained change instead:
      // duplicates, never loss — unless the maximum age has deleted changes, when "every
      // retained change" is not everything and the consumer must be told.
      await this.#deleteStoredToken();
      if (start.historyHorizon) {
        await this.#historyLost('initialization', stored, start.historyHorizon);
        return;
      }
      this.#position = { txid: '0', id: '0' };
      return;
    }
    if (stored && start.historyHorizon && comparePositions(stored, start.historyHorizon) < 0) {
      await this.#historyLost('initialization', stored, start.historyHorizon);
      return;
    }
    if (stored) {
      this.#position = stored;
      return;
    }
    this.#startFromNow(start);
  }

  /**
   * Positions the stream at "now". Everything at or below the history horizon committed before
   * the purge that set it, so "now" is never below it (a fresh stream has lost nothing).
   */
  #startFromNow(start: HorizonStart): void {
    const horizon = start.historyHorizon;
    this.#position = horizon && comparePositions(horizon, start.position) > 0 ? horizon : start.position;
    this.#startSnapshot = start.snapshot;
  }

  /**
   * The changelog maximum age deleted changes after `from` (up to `horizon`) that this consumer
   * had not processed: MongoDB's ChangeStreamHistoryLost recovery. Warn, move the position and the
   * stored token to the horizon (the changes after it are all still there: continuing from now
   * would lose them too), then tell the consumer; at runtime without a listener, end the
   * iteration — the restarted consumer resumes at the horizon.
   */
  async #historyLost(phase: ChangeStreamPhase, from: ChangePosition, horizon: ChangePosition): Promise<void> {
    const maxAge = this.#ctx.settings.changelogMaxAgeMs;
    this.#ctx.logger.warn(
      {
        client: this.clientName,
        phase,
        reason: 'token-unusable',
        position: encodeResumeToken(from),
        historyHorizon: encodeResumeToken(horizon),
        changelogMaxAgeSeconds: maxAge / 1000,
      },
      "the changelog maximum age passed this change stream's position: changes it had not processed were deleted; " +
        'continuing from the oldest change still retained',
    );
    // Positioned (and stored, so a crash resumes here too) before the listener runs: whatever
    // is retained or commits while the consumer runs its cold-start scan is delivered afterwards.
    this.#position = horizon;
    this.#startSnapshot = undefined;
    await this.#storePosition(horizon);
    this.#ctx.settings.onResumeTokenRecovery?.({ client: this.clientName, phase });
    const info: HistoryLostInfo = { clientName: this.clientName, phase, reason: 'token-unusable' };
    if (this.#onHistoryLost) {
      await this.#onHistoryLost(info);
    } else if (phase === 'runtime') {
      throw new DatastoreError(
        'resume_token',
        `change stream of '${this.clientName}' lost its history: the changelog maximum age` +
          `${maxAge > 0 ? ` (${maxAge / 1000}s)` : ''} passed its position ${encodeResumeToken(from)}, so changes it had not ` +
          'processed were deleted. The stored token now points at the oldest change still retained: restart the consumer so ' +
          'it runs its cold-start scan and continues from there, or pass onHistoryLost to watch() to handle this without a ' +
          'restart. If consumers may lag ' +
          'this long, raise DATASTORE_CHANGELOG_MAX_AGE_SECONDS (0 = no maximum).',
        {
          provider: this.#ctx.provider,
          details: { ...info, position: encodeResumeToken(from), historyHorizon: encodeResumeToken(horizon) },
        },
      );
    }
  }

  async #deleteStoredToken(): Promise<void> {
    await this.#ctx.run('reset resume token', (db) =>
      sql`DELETE FROM resume_tokens WHERE client_name = ${this.clientName}`.execute(db),
    );
  }

  async #storedPosition(): Promise<ChangePosition | undefined> {
    const result = await this.#ctx.run('read resume token', (db) =>
      sql<{ txid: string; id: string }>`SELECT txid::text AS txid, change_id::text AS id FROM resume_tokens
        WHERE client_name = ${this.clientName}`.execute(db),
    );
    return result.rows[0];
  }

  /**
   * "Now": just below this database's oldest running transaction, skipping what committed above
   * it already; with the history horizon from the same snapshot.
   */
  async #horizonStart(): Promise<HorizonStart> {
    const result = await this.#ctx.run('read transaction horizon', (db) =>
      sql<{ xmin: string; xmax: string; xip: string; lost_txid: string | null; lost_id: string | null }>`
        SELECT nvs_change_horizon()::text AS xmin, pg_snapshot_xmax(s)::text AS xmax,
          array_to_string(ARRAY(SELECT nvs_local_in_progress(s)::text), ',') AS xip,
          h.txid::text AS lost_txid, h.change_id::text AS lost_id
        FROM (SELECT pg_current_snapshot() AS s) AS snapshot
        LEFT JOIN nvsentinel_changelog_horizon h ON h.table_name = ${WATCHED_TABLE}`.execute(db),
    );
    const row = result.rows[0]!;
    return {
      position: { txid: row.xmin, id: '0' },
      snapshot: new StartSnapshot(row.xmin, row.xmax, row.xip ? row.xip.split(',') : []),
      historyHorizon:
        row.lost_txid !== null && row.lost_id !== null ? { txid: row.lost_txid, id: row.lost_id } : undefined,
    };
  }

  /**
   * The next rows after the position, and — in the same statement, so from the same snapshot as
   * the rows — whether the history horizon is above the position (history lost).
   */
  async #fetch(): Promise<ChangeBatch> {
    const from = this.#position!;
    const result = await this.#ctx.run('read change stream', (db) =>
      sql<
        ChangeRow & { lost_txid: string | null; lost_id: string | null }
      >`WITH ${changesAfter(from, this.#ctx.settings.batchSize)},
        lost AS (
          SELECT h.txid::text AS lost_txid, h.change_id::text AS lost_id FROM nvsentinel_changelog_horizon h
          WHERE h.table_name = ${WATCHED_TABLE} AND (h.txid, h.change_id) > (${from.txid}::xid8, ${from.id}::bigint)
        )
        SELECT lost.lost_txid, lost.lost_id, events.txid::text AS txid, events.id::text AS id, events.changed_at,
               CASE WHEN events.txid IS NOT NULL AND ${this.#filter ?? sql`true`} THEN events.event END AS event
        FROM (SELECT 1) AS one
        LEFT JOIN lost ON true
        LEFT JOIN events ON true
        ORDER BY events.txid, events.id`.execute(db),
    );
    const first = result.rows[0];
    const lostAt =
      first && first.lost_txid !== null && first.lost_id !== null
        ? { txid: first.lost_txid, id: first.lost_id }
        : undefined;
    return { rows: result.rows.filter((r) => r.txid !== null), lostAt };
  }

  #signal(): void {
    this.#dirty = true;
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  async #waitForChange(timeoutMs: number): Promise<void> {
    if (this.#dirty || this.#closed) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.#wake = done;
    });
  }
}

/**
 * CTE `events(txid, id, changed_at, event)`: changelog rows after `from`, below the horizon when
 * `limit` is given (a read), or all of them (backlog), each with its change event as jsonb.
 */
function changesAfter(from: ChangePosition, limit: number | undefined): RawBuilder<unknown> {
  const horizon = limit === undefined ? sql`true` : sql`c.txid < nvs_change_horizon()`;
  const limitClause = limit === undefined ? sql`` : sql`LIMIT ${limit}`;
  return sql`batch AS (
      SELECT c.txid, c.id, c.operation, c.record_id, c.updated_fields, c.removed_fields, c.changed_at
      FROM nvsentinel_changelog c
      WHERE c.table_name = ${WATCHED_TABLE}
        AND (c.txid, c.id) > (${from.txid}::xid8, ${from.id}::bigint)
        AND ${horizon}
      ORDER BY c.txid, c.id
      ${limitClause}
    ), events AS (
      SELECT b.txid, b.id, b.changed_at,
        jsonb_build_object(
          'operationType', b.operation,
          'documentKey', jsonb_build_object('_id', b.record_id::text),
          'clusterTime', jsonb_build_object('$date', to_char(b.changed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
        )
        || CASE WHEN b.operation = 'delete' THEN '{}'::jsonb
                ELSE jsonb_build_object('fullDocument', coalesce(h.document, 'null'::jsonb)) END
        || CASE WHEN b.operation = 'update' THEN jsonb_build_object('updateDescription',
                  jsonb_build_object('updatedFields', b.updated_fields, 'removedFields', b.removed_fields))
                ELSE '{}'::jsonb END AS event
      FROM batch b LEFT JOIN health_events h ON h.id = b.record_id
    )`;
}

/** `$match` stages → one SQL condition over the change event; other stages are refused. */
function compileEventFilter(pipeline: Pipeline, provider: string): RawBuilder<unknown> | undefined {
  const filters = pipeline.map((stage, index) => {
    const keys = stage && typeof stage === 'object' ? Object.keys(stage) : [];
    if (keys.length !== 1 || keys[0] !== '$match') {
      throw new DatastoreError(
        'unsupported_pipeline',
        `change-stream pipeline stage ${index} (${keys.join(', ') || typeof stage}) is not supported: watch() pipelines take $match stages only`,
        { provider, details: { stage: keys[0], index } },
      );
    }
    return (stage as { $match: Record<string, unknown> }).$match;
  });
  if (filters.length === 0) return undefined;
  return compileFilter(filters.length === 1 ? filters[0]! : { $and: filters }, sql.ref('event'));
}

function toChangeEvent(row: ChangeRow): ChangeEvent {
  const event = decodeJson(row.event) as {
    operationType: OperationType;
    documentKey: { _id: string };
    fullDocument?: Document | null;
    updateDescription?: { updatedFields: Record<string, unknown>; removedFields: string[] };
  };
  const change: ChangeEvent = {
    resumeToken: encodeResumeToken(row),
    operationType: event.operationType,
    documentKey: event.documentKey,
    fullDocument: event.fullDocument ?? null,
    clusterTime: row.changed_at instanceof Date ? row.changed_at : new Date(row.changed_at),
  };
  if (event.updateDescription) change.updateDescription = event.updateDescription;
  return change;
}
