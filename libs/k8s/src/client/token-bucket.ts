import { type Clock, systemClock } from '../internal/clock.js';
import { K8sError, K8sErrorCode } from '../errors.js';

export interface TokenBucketOptions {
  /** Sustained rate in tokens per second. `Infinity` disables limiting. */
  qps: number;
  /** Tokens that may be spent at once after a quiet period (bucket capacity, ≥ 1). */
  burst: number;
  clock?: Clock;
}

/**
 * A token bucket with reservations, the algorithm of Go's `x/time/rate` that client-go's
 * `flowcontrol.NewTokenBucketRateLimiter` uses. A caller reserves a token immediately (the balance
 * may go negative) and then waits until the reservation matures; this keeps callers in FIFO order
 * without a waiting list and costs O(1) per request.
 */
export class TokenBucket {
  readonly qps: number;
  readonly burst: number;
  readonly #clock: Clock;
  #tokens: number;
  #last: number;
  #waiting = 0;

  constructor(options: TokenBucketOptions) {
    if (!(options.qps > 0)) {
      throw new K8sError(K8sErrorCode.CONFIG, `qps must be a positive number or Infinity, got ${options.qps}`);
    }
    if (!(options.burst >= 1) || !Number.isFinite(options.burst)) {
      throw new K8sError(K8sErrorCode.CONFIG, `burst must be a finite number ≥ 1, got ${options.burst}`);
    }
    this.qps = options.qps;
    this.burst = Math.floor(options.burst);
    this.#clock = options.clock ?? systemClock;
    this.#tokens = this.burst;
    this.#last = this.#clock.now();
  }

  /** Callers currently waiting for a token (a queue-depth gauge for metrics). */
  get waiting(): number {
    return this.#waiting;
  }

  /**
   * Reserve one token and return how many milliseconds the caller must wait before using it.
   * Never returns a negative number.
   */
  reserve(): number {
    if (this.qps === Infinity) return 0;
    this.#refill();
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : (-this.#tokens / this.qps) * 1000;
  }

  /** Take a token only if one is available now (no waiting). */
  tryTake(): boolean {
    if (this.qps === Infinity) return true;
    this.#refill();
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Wait for a token. Resolves with the milliseconds waited. */
  async acquire(signal?: AbortSignal): Promise<number> {
    const waitMs = this.reserve();
    if (waitMs === 0) return 0;
    this.#waiting += 1;
    try {
      await this.#clock.sleep(waitMs, signal);
    } catch (err) {
      // The reservation is abandoned: give the token back so later callers are not penalised.
      this.#tokens = Math.min(this.burst, this.#tokens + 1);
      throw err;
    } finally {
      this.#waiting -= 1;
    }
    return waitMs;
  }

  #refill(): void {
    const now = this.#clock.now();
    const elapsedSeconds = Math.max(0, now - this.#last) / 1000;
    this.#last = now;
    this.#tokens = Math.min(this.burst, this.#tokens + elapsedSeconds * this.qps);
  }
}
