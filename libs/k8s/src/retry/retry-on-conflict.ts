import { type BackoffPolicy, backoffDelay } from '../internal/backoff.js';
import { type Clock, systemClock } from '../internal/clock.js';
import { K8sError, K8sErrorCode, isConflict, toK8sError } from '../errors.js';

export interface ConflictRetryOptions {
  /** Total attempts including the first (client-go's DefaultRetry uses 5). */
  maxAttempts?: number;
  backoff?: BackoffPolicy;
  clock?: Clock;
  signal?: AbortSignal;
  /** Called before each retry; for logs and metrics. */
  onRetry?(attempt: number, err: unknown): void;
}

/**
 * Like client-go's `retry.DefaultRetry` (a handful of ~10 ms steps) but growing and with more
 * jitter, because our conflicts usually come from several services writing the same Node and
 * spreading them out lets each re-read see the other's write.
 */
export const DEFAULT_CONFLICT_BACKOFF: BackoffPolicy = { initialMs: 10, maxMs: 1_000, factor: 1.5, jitter: 0.5 };
const DEFAULT_CONFLICT_ATTEMPTS = 6;

/**
 * Run a read-modify-write `attempt` until it does not fail with 409 Conflict. `attempt` must
 * re-read the object each time — retrying a write built from a stale read would conflict again.
 * Other errors are rethrown at once (as `K8sError`); running out of attempts throws
 * `NVS_ERR_K8S_CONFLICT_RETRIES_EXHAUSTED` with the last conflict as its cause.
 */
export async function retryOnConflict<T>(
  what: string,
  attempt: () => Promise<T>,
  options: ConflictRetryOptions = {},
): Promise<T> {
  const maxAttempts = options.maxAttempts ?? DEFAULT_CONFLICT_ATTEMPTS;
  const backoff = options.backoff ?? DEFAULT_CONFLICT_BACKOFF;
  const clock = options.clock ?? systemClock;
  let lastConflict: unknown;
  for (let i = 0; i < maxAttempts; i++) {
    if (i > 0) {
      options.onRetry?.(i, lastConflict);
      await clock.sleep(backoffDelay(backoff, i - 1), options.signal);
    }
    try {
      return await attempt();
    } catch (err) {
      if (!isConflict(err)) throw toK8sError(err, what);
      lastConflict = err;
    }
  }
  throw new K8sError(
    K8sErrorCode.CONFLICT_RETRIES_EXHAUSTED,
    `${what}: still conflicting after ${maxAttempts} attempts`,
    { statusCode: 409, cause: lastConflict },
  );
}
