/**
 * One retry policy for every cloud: the SDKs' own retries are switched off (each has different
 * defaults, some honour Retry-After for minutes), so throttling is retried here with capped,
 * jittered exponential backoff and surfaces as CspThrottledError (retryable) when it persists.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface RetryPolicy {
  /** Attempts in total, first one included. Default 5. */
  attempts?: number;
  /** First wait; doubles per attempt. Default 500 ms. */
  baseDelayMs?: number;
  /** Longest wait. Default 10 s. */
  maxDelayMs?: number;
}

const DEFAULT_RETRY_POLICY: Required<RetryPolicy> = { attempts: 5, baseDelayMs: 500, maxDelayMs: 10_000 };

function resolveRetryPolicy(policy: RetryPolicy | undefined): Required<RetryPolicy> {
  return { ...DEFAULT_RETRY_POLICY, ...policy };
}

export interface ThrottleOutcome {
  attempts: number;
  lastError: unknown;
}

/**
 * Runs `call`, retrying while `isThrottled(error)`. Other errors propagate at once; a call still
 * throttled after the last attempt calls `onExhausted` for the error to throw.
 */
export async function retryThrottled<T>(
  call: () => Promise<T>,
  isThrottled: (error: unknown) => boolean,
  policy: RetryPolicy | undefined,
  onExhausted: (outcome: ThrottleOutcome) => Error,
): Promise<T> {
  const { attempts, baseDelayMs, maxDelayMs } = resolveRetryPolicy(policy);
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!isThrottled(error)) throw error;
      if (attempt >= attempts) throw onExhausted({ attempts: attempt, lastError: error });
      const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
      await sleep(ceiling / 2 + Math.random() * (ceiling / 2));
    }
  }
}
