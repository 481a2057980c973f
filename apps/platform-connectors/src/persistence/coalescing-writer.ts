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
 */
import type { NvsError } from '@nvsentinel/service-kit';
import { isDatastoreError, type NewHealthEvent } from '@nvsentinel/store-client';
import {
  DatastoreUnavailableError,
  IngestOverloadedError,
  ShuttingDownError,
  StoreFailedError,
  withRetryAfter,
} from '../errors.js';

/** The one store method the writer needs (a HealthEventStore satisfies it). */
export interface BatchInserter {
  insertHealthEvents(...events: NewHealthEvent[]): Promise<string[]>;
}

export interface WriterObserver {
  onInsert?(events: number, requests: number, seconds: number): void;
  onInsertFailed?(error: unknown, events: number): void;
  onAvailabilityChange?(available: boolean, error?: unknown): void;
  onQueueDepth?(events: number): void;
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
        withRetryAfter(new IngestOverloadedError(this.#queuedEvents, this.#maxQueuedEvents, this.#overloadRetryAfter), this.#overloadRetryAfter),
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

  async #insert(batch: PendingWrite[]): Promise<void> {
    const events = batch.length === 1 ? batch[0]!.events : batch.flatMap((w) => w.events);
    const started = performance.now();
    let ids: string[];
    try {
      ids = await this.#store.insertHealthEvents(...events);
    } catch (err) {
      this.#observer.onInsertFailed?.(err, events.length);
      await this.#handleFailure(batch, err);
      return;
    }
    this.#observer.onInsert?.(events.length, batch.length, (performance.now() - started) / 1000);
    let offset = 0;
    for (const write of batch) {
      write.resolve(ids.slice(offset, offset + write.events.length));
      offset += write.events.length;
    }
  }

  async #handleFailure(batch: PendingWrite[], err: unknown): Promise<void> {
    if (isOutage(err) || !(await this.#reachable())) {
      this.#lastError = err;
      this.#markUnavailable(err);
      const error = this.#unavailableError();
      for (const write of batch) write.reject(error);
      this.#failQueued(error);
      return;
    }
    // The datastore answers, yet this insert failed. Errors that resending cannot fix (the data
    // or the schema is wrong) are final; anything else (e.g. a connection refused while others
    // still work) is reported as temporary so the monitor resends rather than drops.
    const error = isPermanent(err)
      ? new StoreFailedError(err instanceof Error ? err.message : String(err), { cause: err })
      : withRetryAfter(new DatastoreUnavailableError(err instanceof Error ? err.message : String(err), this.retryAfterSeconds, { cause: err }), this.retryAfterSeconds);
    for (const write of batch) write.reject(error);
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
    return withRetryAfter(new DatastoreUnavailableError(reason, this.retryAfterSeconds, { cause: this.#lastError }), this.retryAfterSeconds);
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

const PERMANENT_CODES: ReadonlySet<string> = new Set(['validation', 'serialization', 'schema_version', 'configuration', 'provider_not_found', 'closed']);

/** Failures a resend of the same batch cannot fix. Non-datastore errors are bugs: permanent too. */
function isPermanent(err: unknown): boolean {
  return isDatastoreError(err) ? PERMANENT_CODES.has(err.code) : true;
}

/** Errors that mean "the datastore is not reachable right now" rather than "this batch is bad". */
function isOutage(err: unknown): boolean {
  if (isDatastoreError(err)) return err.isConnectionError || err.isRetryable;
  return false;
}
