import { type Clock, systemClock } from '../internal/clock.js';
import { type WorkQueueRateLimiter, defaultControllerRateLimiter } from './rate-limiters.js';

/**
 * Hooks mirroring client-go's workqueue metrics (platform-connectors exports them as
 * `platform_connector_workqueue_{depth,adds_total,latency_seconds,work_duration_seconds,retries_total}_<name>`).
 * The gauges `unfinished_work_seconds` and `longest_running_processor_seconds` are read from the
 * queue's methods of the same name when scraped.
 */
export interface WorkQueueMetrics {
  onAdd?(queue: string): void;
  onDepth?(queue: string, depth: number): void;
  /** Seconds a key waited in the queue before a worker took it. */
  onQueueLatency?(queue: string, seconds: number): void;
  /** Seconds between taking a key and `done`. */
  onWorkDuration?(queue: string, seconds: number): void;
  onRetry?(queue: string): void;
}

export interface WorkQueueOptions<K> {
  /** Used in metrics and logs by callers. */
  name?: string;
  rateLimiter?: WorkQueueRateLimiter<K>;
  clock?: Clock;
  metrics?: WorkQueueMetrics;
}

/**
 * A per-key de-duplicating FIFO with client-go workqueue semantics. Keys compare like Map keys
 * (use strings for compound keys).
 * - Adding a key that is already waiting does nothing (it keeps its place).
 * - A key being processed is never handed out again until `done(key)`; adding it meanwhile marks
 *   it dirty and it is re-queued at `done`, so the latest state is always processed once more.
 * - `addAfter` / `addRateLimited` delay the add; a key has at most one pending delayed add, the
 *   earliest asked for (client-go's delaying queue), so code that both requeues a key itself and
 *   wakes it early never ends up with parallel timer chains for it; `forget` clears the key's
 *   backoff history.
 * - `shutDown()` stops accepting keys and cancels pending delayed adds; workers still receive what
 *   is queued; it resolves once the queue is empty and nothing is being processed.
 */
export class WorkQueue<K> {
  readonly name: string;
  readonly #rateLimiter: WorkQueueRateLimiter<K>;
  readonly #clock: Clock;
  readonly #queue: K[] = [];
  /** Keys that need processing: waiting in #queue, or re-added while processing. */
  readonly #dirty = new Set<K>();
  readonly #processing = new Set<K>();
  readonly #getters: Array<(key: K | undefined) => void> = [];
  /** The one pending delayed add per key: when it is due and how to cancel it. */
  readonly #delayed = new Map<K, { at: number; cancel: AbortController }>();
  readonly #metrics: WorkQueueMetrics;
  /** When each waiting key was queued, and when each in-flight key was taken (clock ms). */
  readonly #queuedAt = new Map<K, number>();
  readonly #startedAt = new Map<K, number>();
  #shuttingDown = false;
  #drained: Array<() => void> = [];

  constructor(options: WorkQueueOptions<K> = {}) {
    this.name = options.name ?? 'workqueue';
    this.#clock = options.clock ?? systemClock;
    this.#rateLimiter = options.rateLimiter ?? defaultControllerRateLimiter<K>(this.#clock);
    this.#metrics = options.metrics ?? {};
  }

  /** Total seconds in-flight keys have been processing (client-go's unfinished_work_seconds). */
  unfinishedWorkSeconds(): number {
    const now = this.#clock.now();
    let total = 0;
    for (const started of this.#startedAt.values()) total += (now - started) / 1000;
    return total;
  }

  /** Seconds the oldest in-flight key has been processing. */
  longestRunningProcessorSeconds(): number {
    const now = this.#clock.now();
    let longest = 0;
    for (const started of this.#startedAt.values()) longest = Math.max(longest, (now - started) / 1000);
    return longest;
  }

  /** Keys waiting to be handed out. */
  get length(): number {
    return this.#queue.length;
  }

  /** Keys handed out and not yet `done`. */
  get processingCount(): number {
    return this.#processing.size;
  }

  /** Delayed adds not yet due. */
  get delayedCount(): number {
    return this.#delayed.size;
  }

  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  add(key: K): void {
    if (this.#shuttingDown || this.#dirty.has(key)) return;
    this.#dirty.add(key);
    this.#metrics.onAdd?.(this.name);
    if (this.#processing.has(key)) return; // re-queued by done()
    this.#enqueue(key);
  }

  /**
   * Add after `delayMs` (immediately when ≤ 0). A key already waiting for a delayed add keeps the
   * earlier of the two times; the later request is dropped (client-go's `AddAfter`).
   */
  addAfter(key: K, delayMs: number): void {
    if (this.#shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const at = this.#clock.now() + delayMs;
    const pending = this.#delayed.get(key);
    if (pending && pending.at <= at) return;
    pending?.cancel.abort();
    const entry = { at, cancel: new AbortController() };
    this.#delayed.set(key, entry);
    this.#clock.sleep(delayMs, entry.cancel.signal).then(
      () => {
        if (this.#delayed.get(key) !== entry) return;
        this.#delayed.delete(key);
        this.add(key);
      },
      () => {
        if (this.#delayed.get(key) === entry) this.#delayed.delete(key);
      },
    );
  }

  /** Add after the rate limiter's delay for this key (one more failure on its record). */
  addRateLimited(key: K): void {
    if (!this.#shuttingDown) this.#metrics.onRetry?.(this.name);
    this.addAfter(key, this.#rateLimiter.when(key));
  }

  /** Forget the key's failures: the next `addRateLimited` starts from the base delay. */
  forget(key: K): void {
    this.#rateLimiter.forget(key);
  }

  numRequeues(key: K): number {
    return this.#rateLimiter.numRequeues(key);
  }

  /**
   * Next key to process, waiting if none is queued. Resolves `undefined` once the queue is shut
   * down and empty — the worker should then exit. Every key received must be passed to `done`.
   */
  get(): Promise<K | undefined> {
    if (this.#queue.length > 0) return Promise.resolve(this.#take());
    // While shutting down, a key still in flight may be re-queued by done(); wait for that.
    if (this.#shuttingDown && this.#processing.size === 0) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#getters.push(resolve));
  }

  /** Finish processing `key`; if it was added meanwhile it is queued again. */
  done(key: K): void {
    const started = this.#startedAt.get(key);
    if (started !== undefined) {
      this.#startedAt.delete(key);
      this.#metrics.onWorkDuration?.(this.name, (this.#clock.now() - started) / 1000);
    }
    this.#processing.delete(key);
    // Added while it was being processed: add() left it out of the queue, so queue it now.
    if (this.#dirty.has(key)) this.#enqueue(key);
    this.#checkDrained();
  }

  /** Stop accepting keys and wait until queued and in-flight work is finished. */
  shutDown(): Promise<void> {
    this.#shuttingDown = true;
    for (const pending of this.#delayed.values()) pending.cancel.abort();
    this.#delayed.clear();
    return new Promise((resolve) => {
      this.#drained.push(resolve);
      this.#checkDrained();
    });
  }

  #enqueue(key: K): void {
    this.#queue.push(key);
    this.#queuedAt.set(key, this.#clock.now());
    this.#metrics.onDepth?.(this.name, this.#queue.length);
    const getter = this.#getters.shift();
    if (getter) getter(this.#take());
  }

  #take(): K {
    const key = this.#queue.shift() as K;
    const now = this.#clock.now();
    this.#metrics.onDepth?.(this.name, this.#queue.length);
    this.#metrics.onQueueLatency?.(this.name, (now - (this.#queuedAt.get(key) ?? now)) / 1000);
    this.#queuedAt.delete(key);
    this.#startedAt.set(key, now);
    this.#dirty.delete(key);
    this.#processing.add(key);
    return key;
  }

  #checkDrained(): void {
    if (!this.#shuttingDown || this.#queue.length > 0 || this.#processing.size > 0) return;
    for (const wake of this.#getters.splice(0)) wake(undefined);
    for (const resolve of this.#drained.splice(0)) resolve();
  }
}
