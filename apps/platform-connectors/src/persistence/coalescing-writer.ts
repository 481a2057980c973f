/**
 * Acknowledged persistence with group commit. Callers `write()` a batch and get a promise that
 * resolves only once THEIR events are durably stored. Batches submitted while an insert is in
 * flight wait in a bounded queue and are flushed together as one multi-row insert, so N
 * concurrent monitors cost one round trip, not N.
 *
 * When the datastore fails with a connection-class error the writer turns `unavailable`: the
 * affected and queued callers are rejected (nothing of theirs was acknowledged, so they resend),
 * new batches are refused at once with a Retry-After hint instead of piling up in memory, and a
 * background probe pings the datastore until it answers again. Nothing acknowledged is ever lost.
 *
 * When a coalesced insert fails while the datastore answers, the writer splits it and retries
 * the halves, so one caller's unstorable data fails only that caller (400 / INVALID_ARGUMENT)
 * and every other caller's batch is stored exactly once.
 */
import type { NvsError } from '@nvsentinel/service-kit';
import { isDatastoreError, type NewHealthEvent } from '@nvsentinel/store-client';
import {
  DatastoreUnavailableError,
  EventsUnstorableError,
  IngestOverloadedError,
  ShuttingDownError,
  StoreFailedError,
  withRetryAfter,
} from '../errors.js';

/** The store methods the writer needs (a HealthEventStore satisfies it). */
export interface BatchInserter {
  insertHealthEvents(...events: NewHealthEvent[]): Promise<string[]>;
  /** Used only to undo the stored part of a refused batch after a partial (MongoDB ordered) insert. */
  deleteHealthEvent?(id: string): Promise<void>;
}

export interface WriterObserver {
  onInsert?(events: number, requests: number, seconds: number): void;
  onInsertFailed?(error: unknown, events: number): void;
  onAvailabilityChange?(available: boolean, error?: unknown): void;
  onQueueDepth?(events: number): void;
  /** Events of a refused batch that a partial insert had stored and that could not be deleted. */
  onRollbackFailed?(error: unknown, ids: readonly string[]): void;
}

export interface CoalescingWriterOptions {
  store: BatchInserter;
  /** Datastore round trip used by the outage probe. */
  ping: () => Promise<void>;
  /** Most events in one insert statement (a single larger request is inserted alone). Default 1000. */
  maxBatchEvents?: number;
  /** Most events waiting for the datastore before new batches are refused. Default 50,000. */
  maxQueuedEvents?: number;
  /** Inserts in flight at once. Default 2 (1 for engines without concurrent connections). */
  maxConcurrentInserts?: number;
  /** How often the outage probe pings. Default 1000 ms. */
  probeIntervalMs?: number;
  /** Retry-After sent while the queue is full. Default 1 s. */
  overloadRetryAfterSeconds?: number;
  observer?: WriterObserver;
}

interface PendingWrite {
  events: NewHealthEvent[];
  resolve(ids: string[]): void;
  reject(error: NvsError): void;
}

export type WriterState = 'available' | 'unavailable' | 'closed';

export class CoalescingWriter {
  readonly #store: BatchInserter;
  readonly #ping: () => Promise<void>;
  readonly #maxBatchEvents: number;
  readonly #maxQueuedEvents: number;
  readonly #maxConcurrent: number;
  readonly #probeIntervalMs: number;
  readonly #overloadRetryAfter: number;
  readonly #observer: WriterObserver;
  readonly #queue: PendingWrite[] = [];
  #queuedEvents = 0;
  #inFlight = 0;
  #state: WriterState = 'available';
  #lastError: unknown;
  #probeTimer: NodeJS.Timeout | undefined;
  #idleWaiters: Array<() => void> = [];

  constructor(options: CoalescingWriterOptions) {
    this.#store = options.store;
    this.#ping = options.ping;
    this.#maxBatchEvents = options.maxBatchEvents ?? 1000;
    this.#maxQueuedEvents = options.maxQueuedEvents ?? 50_000;
    this.#maxConcurrent = options.maxConcurrentInserts ?? 2;
    this.#probeIntervalMs = options.probeIntervalMs ?? 1000;
    this.#overloadRetryAfter = options.overloadRetryAfterSeconds ?? 1;
    this.#observer = options.observer ?? {};
  }

  get state(): WriterState {
    return this.#state;
  }

  /** Events accepted but not yet stored. */
  get queuedEvents(): number {
    return this.#queuedEvents;
  }

  get lastError(): unknown {
    return this.#lastError;
  }

  /** Seconds a refused client should wait: one probe interval, at least 1 s. */
  get retryAfterSeconds(): number {
    return Math.max(1, Math.ceil(this.#probeIntervalMs / 1000));
  }

  /** Stores `events`; resolves with their ids once they are durable, or rejects with nothing stored. */
  write(events: NewHealthEvent[]): Promise<string[]> {
    if (events.length === 0) return Promise.resolve([]);
    if (this.#state === 'closed') return Promise.reject(new ShuttingDownError());
    if (this.#state === 'unavailable') return Promise.reject(this.#unavailableError());
    if (this.#queuedEvents > 0 && this.#queuedEvents + events.length > this.#maxQueuedEvents) {
      return Promise.reject(
        withRetryAfter(
          new IngestOverloadedError(this.#queuedEvents, this.#maxQueuedEvents, this.#overloadRetryAfter),
          this.#overloadRetryAfter,
        ),
      );
    }
    return new Promise<string[]>((resolve, reject) => {
      this.#queue.push({ events, resolve, reject });
      this.#queuedEvents += events.length;
      this.#observer.onQueueDepth?.(this.#queuedEvents);
      this.#pump();
    });
  }

  /** Stops accepting batches, waits for queued ones to be stored (or failed), stops the probe. */
  async close(): Promise<void> {
    if (this.#state === 'unavailable') this.#failQueued(this.#unavailableError());
    this.#state = 'closed';
    clearTimeout(this.#probeTimer);
    this.#probeTimer = undefined;
    if (this.#inFlight > 0 || this.#queue.length > 0) {
      await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    }
  }

  #pump(): void {
    while (this.#inFlight < this.#maxConcurrent && this.#queue.length > 0 && this.#state !== 'unavailable') {
      const batch = this.#takeBatch();
      this.#inFlight++;
      void this.#insert(batch).finally(() => {
        this.#inFlight--;
        this.#pump();
        if (this.#inFlight === 0 && this.#queue.length === 0) this.#notifyIdle();
      });
    }
  }

  /** Whole requests in arrival order up to maxBatchEvents; a request is never split. */
  #takeBatch(): PendingWrite[] {
    let count = 0;
    let events = 0;
    for (const next of this.#queue) {
      if (count > 0 && events + next.events.length > this.#maxBatchEvents) break;
      count++;
      events += next.events.length;
    }
    // One splice, not a shift per request: the queue may hold tens of thousands of them.
    const batch = this.#queue.splice(0, count);
    this.#queuedEvents -= events;
    this.#observer.onQueueDepth?.(this.#queuedEvents);
    return batch;
  }

  /**
   * Inserts the coalesced batch. If the insert fails while the datastore answers, the failure
   * may be one caller's data (a value it cannot store); so that one bad batch never fails the
   * others, the group is split in halves and each half retried, down to single callers, who
   * get the verdict for their own data. A failed PostgreSQL INSERT stores nothing; a failed
   * ordered MongoDB insertMany keeps the prefix before the failing document, which is
   * acknowledged (or, for a caller whose batch it cuts, rolled back if that caller is refused),
   * so no event is ever stored twice by a retry. An outage keeps the backpressure behaviour.
   */
  async #insert(batch: PendingWrite[]): Promise<void> {
    const groups: PendingWrite[][] = [batch];
    // One ping answers "is the datastore up?" for the whole split: a split of a 1000-caller
    // batch must not cost a ping per half.
    let reachable: boolean | undefined;
    for (let group = groups.shift(); group; group = groups.shift()) {
      if (this.#state === 'unavailable') {
        const error = this.#unavailableError();
        for (const write of group) write.reject(error);
        continue;
      }
      const failure = await this.#attempt(group);
      if (failure === undefined) continue;
      const { err, rest } = failure;
      if (rest.length === 0) continue;
      if (!isDataError(err) && (isOutage(err) || !(reachable ??= await this.#reachable()))) {
        this.#lastError = err;
        this.#markUnavailable(err);
        const error = this.#unavailableError();
        for (const write of rest) write.reject(error);
        for (const pending of groups.splice(0)) for (const write of pending) write.reject(error);
        this.#failQueued(error);
        return;
      }
      if (rest.length === 1) {
        rest[0]!.reject(this.#refusal(err));
        continue;
      }
      const half = Math.ceil(rest.length / 2);
      groups.unshift(rest.slice(0, half), rest.slice(half));
    }
  }

  /**
   * One insert of `group`. Resolves the callers whose events were stored; on failure returns
   * the error and the callers still to be decided (all of them, unless a stored prefix
   * acknowledged some).
   */
  async #attempt(group: PendingWrite[]): Promise<{ err: unknown; rest: PendingWrite[] } | undefined> {
    const events = group.length === 1 ? group[0]!.events : group.flatMap((w) => w.events);
    const started = performance.now();
    let ids: string[];
    try {
      ids = await this.#store.insertHealthEvents(...events);
    } catch (err) {
      this.#observer.onInsertFailed?.(err, events.length);
      return { err, rest: this.#settleStoredPrefix(group, storedPrefixIds(err, events.length)) };
    }
    this.#observer.onInsert?.(events.length, group.length, (performance.now() - started) / 1000);
    let offset = 0;
    for (const write of group) {
      write.resolve(ids.slice(offset, offset + write.events.length));
      offset += write.events.length;
    }
    return undefined;
  }

  /**
   * After a failed insert that stored `storedIds` (a prefix of the group's events), acknowledges
   * the callers wholly inside the prefix and returns the rest. A caller cut by the prefix goes
   * on with its unstored events only; it is acknowledged with all its ids if they are stored
   * later, and its stored part is deleted if it is refused, so a refused batch stores nothing.
   */
  #settleStoredPrefix(group: PendingWrite[], storedIds: string[]): PendingWrite[] {
    if (storedIds.length === 0) return group;
    let offset = 0;
    for (let i = 0; i < group.length; i++) {
      const write = group[i]!;
      const end = offset + write.events.length;
      if (end <= storedIds.length) {
        write.resolve(storedIds.slice(offset, end));
        offset = end;
        continue;
      }
      this.#observer.onInsert?.(storedIds.length, i, 0);
      const rest = group.slice(i + 1);
      if (offset === storedIds.length) return [write, ...rest];
      const stored = storedIds.slice(offset);
      const remainder: PendingWrite = {
        events: write.events.slice(stored.length),
        resolve: (ids) => write.resolve([...stored, ...ids]),
        reject: (error) => void this.#rollBack(stored).finally(() => write.reject(error)),
      };
      return [remainder, ...rest];
    }
    // Unreachable for a failed insert (it stored fewer events than it was given).
    this.#observer.onInsert?.(storedIds.length, group.length, 0);
    return [];
  }

  async #rollBack(ids: string[]): Promise<void> {
    const remove = this.#store.deleteHealthEvent?.bind(this.#store);
    if (!remove) {
      this.#observer.onRollbackFailed?.(new Error('the store cannot delete events'), ids);
      return;
    }
    for (const id of ids) {
      try {
        await remove(id);
      } catch (err) {
        this.#observer.onRollbackFailed?.(err, [id]);
      }
    }
  }

  /** The answer for a single caller whose insert failed while the datastore answers. */
  #refusal(err: unknown): NvsError {
    const reason = err instanceof Error ? err.message : String(err);
    // The data is at fault (a value the datastore cannot store or index): fix and resend.
    if (isDataError(err)) return new EventsUnstorableError(reason, { cause: err });
    // Errors that resending cannot fix (a bug, the schema) need an operator; anything else
    // (e.g. a connection refused while others still work) is reported as temporary so the
    // monitor resends rather than drops.
    if (isPermanent(err)) return new StoreFailedError(reason, { cause: err });
    return withRetryAfter(
      new DatastoreUnavailableError(reason, this.retryAfterSeconds, { cause: err }),
      this.retryAfterSeconds,
    );
  }

  /**
   * Not every outage arrives as a connection error (a database refusing connections answers
   * with a plain SQL error), so an unexplained failure is checked with a ping: no answer means
   * outage (resend later), an answer means this batch itself failed.
   */
  async #reachable(): Promise<boolean> {
    try {
      await this.#ping();
      return true;
    } catch {
      return false;
    }
  }

  #failQueued(error: NvsError): void {
    const queued = this.#queue.splice(0);
    this.#queuedEvents = 0;
    this.#observer.onQueueDepth?.(0);
    for (const write of queued) write.reject(error);
  }

  #unavailableError(): NvsError {
    const reason = this.#lastError instanceof Error ? this.#lastError.message : 'connection lost';
    return withRetryAfter(
      new DatastoreUnavailableError(reason, this.retryAfterSeconds, { cause: this.#lastError }),
      this.retryAfterSeconds,
    );
  }

  #markUnavailable(err: unknown): void {
    if (this.#state !== 'available') return;
    this.#state = 'unavailable';
    this.#observer.onAvailabilityChange?.(false, err);
    this.#scheduleProbe();
  }

  #scheduleProbe(): void {
    this.#probeTimer = setTimeout(() => void this.#probe(), this.#probeIntervalMs);
    this.#probeTimer.unref();
  }

  async #probe(): Promise<void> {
    if (this.#state !== 'unavailable') return;
    try {
      await this.#ping();
    } catch (err) {
      this.#lastError = err;
      if (this.#state === 'unavailable') this.#scheduleProbe();
      return;
    }
    if (this.#state !== 'unavailable') return;
    this.#state = 'available';
    this.#lastError = undefined;
    this.#observer.onAvailabilityChange?.(true);
    this.#pump();
  }

  #notifyIdle(): void {
    const waiters = this.#idleWaiters.splice(0);
    for (const resolve of waiters) resolve();
  }
}

const PERMANENT_CODES: ReadonlySet<string> = new Set([
  'validation',
  'serialization',
  'schema_version',
  'configuration',
  'provider_not_found',
  'closed',
]);

/** Failures a resend of the same batch cannot fix. Non-datastore errors are bugs: permanent too. */
function isPermanent(err: unknown): boolean {
  return isDatastoreError(err) ? PERMANENT_CODES.has(err.code) : true;
}

/** Errors that mean "the datastore is not reachable right now" rather than "this batch is bad". */
function isOutage(err: unknown): boolean {
  if (isDatastoreError(err)) return err.isConnectionError || err.isRetryable;
  return false;
}

/**
 * MongoDB server codes that mean "this document cannot be stored": BadValue, DollarPrefixedFieldName,
 * DocumentValidationFailure, BSONObjectTooLarge, KeyTooLong.
 */
const MONGO_DATA_CODES: ReadonlySet<number> = new Set([2, 52, 121, 10334, 17280]);

/**
 * The datastore refused the data itself, so only the batch that holds it is at fault: store-client
 * `validation`/`serialization` errors (PostgreSQL SQLSTATE class 22 data exception and 23
 * integrity, e.g. U+0000 or a lone surrogate in jsonb), SQLSTATE class 54 program limit exceeded
 * (e.g. an index row over 8 kB from a huge indexed field), and MongoDB's document errors.
 */
export function isDataError(err: unknown): boolean {
  if (!isDatastoreError(err)) return false;
  if (err.code === 'validation' || err.code === 'serialization') return true;
  const { sqlstate, serverCode } = err.details as { sqlstate?: unknown; serverCode?: unknown };
  if (typeof sqlstate === 'string' && /^(22|54)/.test(sqlstate)) return true;
  return typeof serverCode === 'number' && MONGO_DATA_CODES.has(serverCode);
}

/**
 * Ids of the events a failed insert stored anyway, in order: MongoDB's insertMany with
 * `ordered: true` stops at the first failing document and keeps the ones before it; the driver's
 * MongoBulkWriteError (store-client keeps it as `cause`) reports them as `insertedCount` and
 * `insertedIds` by index. Other providers insert all or nothing: empty.
 */
export function storedPrefixIds(err: unknown, total: number): string[] {
  const cause = (isDatastoreError(err) ? err.cause : err) as
    { insertedCount?: unknown; insertedIds?: unknown } | undefined;
  const count = cause?.insertedCount;
  const byIndex = cause?.insertedIds as Record<number, { toHexString?: () => string } | string | undefined> | undefined;
  if (typeof count !== 'number' || count <= 0 || typeof byIndex !== 'object' || byIndex === null) return [];
  const ids: string[] = [];
  for (let i = 0; i < Math.min(count, total); i++) {
    const id = byIndex[i];
    if (id === undefined || id === null) break;
    ids.push(typeof id === 'string' ? id : typeof id.toHexString === 'function' ? id.toHexString() : String(id));
  }
  return ids;
}
