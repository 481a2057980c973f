import { TokenBucket } from '../client/token-bucket.js';
import type { Clock } from '../internal/clock.js';

/** Decides how long a key waits before it is retried (client-go's `workqueue.RateLimiter`). */
export interface WorkQueueRateLimiter<K> {
  /** Delay in ms before `key` is processed again; counts as one more failure. */
  when(key: K): number;
  /** Clear the key's failure history (call after a success). */
  forget(key: K): void;
  /** Failures recorded for the key since the last `forget`. */
  numRequeues(key: K): number;
}

/** base × 2^failures, capped at max — per key, so one bad key does not slow the others. */
export class ItemExponentialFailureRateLimiter<K> implements WorkQueueRateLimiter<K> {
  readonly #failures = new Map<K, number>();

  constructor(
    readonly baseDelayMs: number,
    readonly maxDelayMs: number,
  ) {}

  when(key: K): number {
    const failures = this.#failures.get(key) ?? 0;
    this.#failures.set(key, failures + 1);
    // Guard the exponent: 2^1024 is Infinity, and the cap applies long before that.
    return Math.min(this.maxDelayMs, this.baseDelayMs * Math.pow(2, Math.min(failures, 62)));
  }

  forget(key: K): void {
    this.#failures.delete(key);
  }

  numRequeues(key: K): number {
    return this.#failures.get(key) ?? 0;
  }
}

/** An overall token bucket across all keys, so a storm of failures cannot hammer the API. */
export class BucketRateLimiter<K> implements WorkQueueRateLimiter<K> {
  readonly #bucket: TokenBucket;

  constructor(qps: number, burst: number, clock?: Clock) {
    this.#bucket = new TokenBucket({ qps, burst, clock });
  }

  when(_key: K): number {
    return this.#bucket.reserve();
  }

  forget(_key: K): void {}

  numRequeues(_key: K): number {
    return 0;
  }
}

/** The longest delay any of the limiters asks for. */
export class MaxOfRateLimiter<K> implements WorkQueueRateLimiter<K> {
  readonly #limiters: ReadonlyArray<WorkQueueRateLimiter<K>>;

  constructor(...limiters: Array<WorkQueueRateLimiter<K>>) {
    this.#limiters = limiters;
  }

  when(key: K): number {
    return Math.max(0, ...this.#limiters.map((l) => l.when(key)));
  }

  forget(key: K): void {
    for (const l of this.#limiters) l.forget(key);
  }

  numRequeues(key: K): number {
    return Math.max(0, ...this.#limiters.map((l) => l.numRequeues(key)));
  }
}

/**
 * client-go's `DefaultControllerRateLimiter`: per-key 5 ms doubling to 1000 s, and overall
 * 10 retries/s with a burst of 100. Services pass their own (node-drainer: 10 s → 2 min;
 * platform-connectors: 500 ms → 3 s).
 */
export function defaultControllerRateLimiter<K>(clock?: Clock): WorkQueueRateLimiter<K> {
  return new MaxOfRateLimiter<K>(
    new ItemExponentialFailureRateLimiter<K>(5, 1_000_000),
    new BucketRateLimiter<K>(10, 100, clock),
  );
}
