/**
 * One consumer's change stream on MongoDB: our ChangeStream (interfaces.ts) over a
 * ChangeStreamSource. This loop owns everything the driver does not:
 *
 * - Where to start: after the token stored for `clientName` ('resume'), or from now ('now',
 *   which also deletes the stored token, like upstream's resume-control CREATE).
 * - Reconnecting: the driver resumes at most once per error; on transient errors we reopen after
 *   the last token read, with exponential backoff, until the outage exceeds the policy deadline.
 * - Recovery when the token is unusable (decideRecovery → 'restart-from-now'): log, count
 *   (`onResumeTokenRecovery`), delete the stored token, tell the consumer (`onHistoryLost`) and
 *   continue from now.
 * - Persisting progress: `markProcessed` stores the token (majority write concern) together with
 *   the id of the change's document, which `backlog()` counts from.
 *
 * Delivery is at-least-once: after a restart, changes after the last *processed* token are
 * delivered again; after an in-process reconnect, only changes after the last *read* token.
 */
import { setTimeout as sleepFor } from 'node:timers/promises';

import type { Document } from 'mongodb';

import { DatastoreError } from '../../errors.js';
import type { ChangeEvent, ChangeStream } from '../../interfaces.js';
import { mapChange } from './change-event.js';
import type { ChangeStreamCursor, ChangeStreamSource } from './change-stream-source.js';
import { PROVIDER_NAME } from './defaults.js';
import { serverErrorCode, toDatastoreError } from './driver-errors.js';
import type { HistoryLostInfo, HistoryLostListener, MongoLogger } from './hooks.js';
import {
  DEFAULT_RECONNECT_POLICY,
  reconnectDelayMs,
  shouldReconnect,
  type ReconnectPolicy,
} from './reconnect-policy.js';
import { decideRecovery, type StreamPhase } from './recovery.js';
import { decodeResumeToken } from './resume-token.js';
import type { ResumeTokenStore } from './token-store.js';

export interface MongoChangeStreamDeps {
  clientName: string;
  startAt: 'resume' | 'now';
  source: ChangeStreamSource;
  tokens: ResumeTokenStore;
  logger: MongoLogger;
  policy?: ReconnectPolicy;
  onHistoryLost?: HistoryLostListener;
  onResumeTokenRecovery?: (labels: { client: string; phase: StreamPhase }) => void;
  /**
   * Runs once before the first open (e.g. the replica-set check). Transient errors are retried
   * like an open; others end the stream.
   */
  prepare?: () => Promise<void>;
  /**
   * Gives a fatal error a better explanation when one is known (e.g. "change streams need a
   * replica set" for a standalone server); undefined keeps the mapped driver error.
   */
  explainFatal?: (err: unknown) => DatastoreError | undefined;
  /** Counts stored changes after the document with this hex id (backlog metric). */
  countAfter?: (lastDocumentId: string) => Promise<number>;
  /** Called once when the stream is closed (by close(), or by leaving the iteration). */
  onClose?: () => void;
  /** Injectable clock for tests of the deadline. */
  now?: () => number;
}

/** How many delivered-but-unprocessed token→document ids are remembered for `backlog`. */
const MAX_REMEMBERED_DELIVERIES = 10_000;
const MARK_PROCESSED_ATTEMPTS = 3;

export class MongoChangeStream implements ChangeStream {
  readonly clientName: string;
  readonly #deps: MongoChangeStreamDeps;
  readonly #policy: ReconnectPolicy;
  readonly #now: () => number;
  readonly #closing = new AbortController();
  /** Resume token → id of the changed document, for changes delivered and not yet processed. */
  readonly #delivered = new Map<string, string>();
  #cursor: ChangeStreamCursor | undefined;
  #iterating = false;
  #startAt: 'resume' | 'now';

  constructor(deps: MongoChangeStreamDeps) {
    this.clientName = deps.clientName;
    this.#deps = deps;
    this.#policy = deps.policy ?? DEFAULT_RECONNECT_POLICY;
    this.#now = deps.now ?? Date.now;
    this.#startAt = deps.startAt;
  }

  get #closed(): boolean {
    return this.#closing.signal.aborted;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ChangeEvent> {
    if (this.#iterating) {
      throw new DatastoreError(
        'change_stream',
        `the change stream of '${this.clientName}' is already being iterated; open one watch() per loop`,
        {
          provider: PROVIDER_NAME,
        },
      );
    }
    this.#iterating = true;
    try {
      if (this.#closed) return;
      yield* this.#run();
    } finally {
      this.#iterating = false;
      // `for await … break` lands here: leaving the loop closes the stream.
      await this.close();
    }
  }

  async *#run(): AsyncGenerator<ChangeEvent> {
    const outage = new Outage(this.#policy, this.#now);
    let start: Document | undefined;
    let startLoaded = false;
    let prepared = this.#deps.prepare === undefined;

    while (!this.#closed) {
      // 0. One-time checks (the replica-set check needs the server, which may still be starting).
      if (!prepared) {
        try {
          await this.#deps.prepare?.();
          prepared = true;
        } catch (err) {
          await this.#retryOrThrow(err, 'initialization', false, outage);
          continue;
        }
      }

      // 1. Where to start (reading or deleting the stored token may itself fail transiently).
      if (!startLoaded) {
        try {
          start = await this.#initialPosition();
          startLoaded = true;
          if (this.#closed) return;
        } catch (err) {
          await this.#retryOrThrow(err, 'initialization', false, outage);
          continue;
        }
      }

      // 2. Open at that position.
      let cursor: ChangeStreamCursor;
      try {
        cursor = await this.#deps.source.open(start);
      } catch (err) {
        const decision = decideRecovery(err, { phase: 'initialization', openedWithToken: start !== undefined });
        if (decision === 'restart-from-now') {
          await this.#recover('initialization', 'token-unusable', err);
          start = undefined;
          continue;
        }
        await this.#retryOrThrow(err, 'initialization', start !== undefined, outage, decision);
        continue;
      }
      if (this.#closed) {
        await cursor.close().catch(() => undefined);
        return;
      }
      this.#cursor = cursor;
      const openedAt = this.#now();

      // 3. Read until closed or an error.
      let invalidatedBy: string | undefined;
      try {
        for (;;) {
          const raw = await cursor.next();
          if (raw === null || this.#closed) return;
          outage.end();
          const mapped = mapChange(raw);
          start = cursor.resumeToken() ?? (raw._id as Document);
          if (mapped.kind === 'event') {
            this.#remember(mapped.event);
            yield mapped.event;
          } else if (mapped.kind === 'invalidated') {
            invalidatedBy = mapped.operationType;
            break;
          }
        }
      } catch (err) {
        if (this.#closed) return;
        const decision = decideRecovery(err, { phase: 'runtime', openedWithToken: true });
        if (decision === 'restart-from-now') {
          await this.#recover('runtime', 'token-unusable', err);
          start = undefined;
        } else {
          // A cursor that stayed healthy longer than the longest backoff ends the previous outage,
          // so an idle stream failing after hours is not judged against an old outage's deadline.
          if (this.#now() - openedAt > this.#policy.maxDelayMs) outage.end();
          start = cursor.resumeToken() ?? start;
          await this.#retryOrThrow(err, 'runtime', true, outage, decision);
        }
      } finally {
        this.#cursor = undefined;
        await cursor.close().catch(() => undefined);
      }
      // Outside the try: an error from the recovery itself must not be taken for a read error.
      if (invalidatedBy !== undefined) {
        this.#deps.logger.warn(
          { client: this.clientName, operationType: invalidatedBy },
          'watched collection was dropped or renamed; the change stream restarts from now',
        );
        await this.#recover('runtime', 'invalidated');
        start = undefined;
      }
    }
  }

  async #initialPosition(): Promise<Document | undefined> {
    if (this.#startAt === 'now') {
      await this.#deps.tokens.delete(this.clientName);
      // Once started, a reconnect must resume, not jump to "now" again.
      this.#startAt = 'resume';
      return undefined;
    }
    const stored = await this.#deps.tokens.load(this.clientName);
    if (!stored) return undefined;
    try {
      return decodeResumeToken(stored.resumeToken);
    } catch (err) {
      await this.#recover('initialization', 'token-unusable', err);
      return undefined;
    }
  }

  /** Sleeps before the next attempt, or throws when the error is fatal or the outage too long. */
  async #retryOrThrow(
    err: unknown,
    phase: StreamPhase,
    openedWithToken: boolean,
    outage: Outage,
    decision = decideRecovery(err, { phase, openedWithToken }),
  ): Promise<void> {
    if (decision !== 'retry') {
      throw (
        this.#deps.explainFatal?.(err) ??
        toDatastoreError(err, 'change_stream', `change stream of '${this.clientName}' (${phase})`)
      );
    }
    const delay = outage.nextDelay();
    if (delay === undefined) {
      throw new DatastoreError(
        'change_stream',
        `change stream of '${this.clientName}' could not be reopened within ${this.#policy.deadlineMs / 1000}s: ` +
          `${err instanceof Error ? err.message : String(err)}. Check that the replica set is reachable; the consumer may restart and resume.`,
        { provider: PROVIDER_NAME, cause: err },
      );
    }
    this.#deps.logger.warn(
      { client: this.clientName, phase, err, retryInMs: delay },
      'change stream interrupted; reopening',
    );
    await sleepFor(delay, undefined, { signal: this.#closing.signal }).catch(() => undefined);
  }

  async #recover(phase: StreamPhase, reason: HistoryLostInfo['reason'], err?: unknown): Promise<void> {
    const serverCode = serverErrorCode(err);
    this.#deps.logger.warn(
      { client: this.clientName, phase, reason, serverCode, err },
      'resume token unusable (history lost from the oplog?); deleting it and restarting the change stream from now',
    );
    if (reason === 'token-unusable') this.#deps.onResumeTokenRecovery?.({ client: this.clientName, phase });
    await this.#deps.tokens.delete(this.clientName);
    this.#delivered.clear();

    const info: HistoryLostInfo = {
      clientName: this.clientName,
      phase,
      reason,
      ...(serverCode === undefined ? {} : { serverCode }),
    };
    if (this.#deps.onHistoryLost) {
      await this.#deps.onHistoryLost(info);
    } else if (phase === 'runtime') {
      throw new DatastoreError(
        'resume_token',
        `change stream of '${this.clientName}' lost its history (${reason}${serverCode === undefined ? '' : `, server code ${serverCode}`}); ` +
          'the stored token was deleted, so the next start begins from now. Restart the consumer so it runs its ' +
          'cold-start scan, or pass onHistoryLost to watch() to handle this without a restart.',
        { provider: PROVIDER_NAME, cause: err, details: { ...info } },
      );
    }
  }

  #remember(event: ChangeEvent): void {
    if (this.#delivered.size >= MAX_REMEMBERED_DELIVERIES) {
      const oldest = this.#delivered.keys().next().value;
      if (oldest !== undefined) this.#delivered.delete(oldest);
    }
    this.#delivered.set(event.resumeToken, event.documentKey._id);
  }

  async markProcessed(resumeToken: string): Promise<void> {
    decodeResumeToken(resumeToken); // validates before anything is written
    const lastDocumentId = this.#delivered.get(resumeToken);
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#deps.tokens.save(
          this.clientName,
          lastDocumentId ? { resumeToken, lastDocumentId } : { resumeToken },
        );
        break;
      } catch (err) {
        const retryable =
          err instanceof DatastoreError
            ? err.isRetryable
            : decideRecovery(err, { phase: 'runtime', openedWithToken: true }) === 'retry';
        if (!retryable || attempt >= MARK_PROCESSED_ATTEMPTS) throw err;
        await sleepFor(reconnectDelayMs(attempt, this.#policy));
      }
    }
    // Tokens are marked in delivery order: everything up to this one is done.
    if (lastDocumentId !== undefined) {
      for (const token of this.#delivered.keys()) {
        this.#delivered.delete(token);
        if (token === resumeToken) break;
      }
    }
  }

  /**
   * Best effort: the number of health events stored after the document of the last processed
   * change (by ObjectId order, i.e. insertion time). For pipelines that select inserts by their
   * document (fault-quarantine's, the analyzer's, the exporter's) only matching documents are
   * counted (see backlog-filter.ts); otherwise every newer document. Updates to older documents
   * are not seen, and it is 0 until this consumer has processed something.
   */
  async backlog(): Promise<number> {
    const stored = await this.#deps.tokens.load(this.clientName);
    if (!stored?.lastDocumentId || !this.#deps.countAfter) return 0;
    return this.#deps.countAfter(stored.lastDocumentId);
  }

  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closing.abort();
      this.#deps.onClose?.();
    }
    const cursor = this.#cursor;
    this.#cursor = undefined;
    await cursor?.close().catch(() => undefined);
  }
}

/** Consecutive failures without a successful read, measured against the policy deadline. */
class Outage {
  #startedAt: number | undefined;
  #attempts = 0;

  constructor(
    private readonly policy: ReconnectPolicy,
    private readonly now: () => number,
  ) {}

  end(): void {
    this.#startedAt = undefined;
    this.#attempts = 0;
  }

  /** The delay before the next attempt, or undefined when the deadline would be exceeded. */
  nextDelay(): number | undefined {
    const now = this.now();
    this.#startedAt ??= now;
    this.#attempts += 1;
    const delay = reconnectDelayMs(this.#attempts, this.policy);
    return shouldReconnect(this.#startedAt, now, delay, this.policy) ? delay : undefined;
  }
}
