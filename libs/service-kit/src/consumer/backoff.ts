/** Bounded exponential backoff for handler retries. */
import type { RetryPolicy } from './types.js';

export type ResolvedRetryPolicy = Required<RetryPolicy>;

export function resolveRetryPolicy(policy: RetryPolicy = {}): ResolvedRetryPolicy {
  return {
    maxAttempts: policy.maxAttempts ?? 3,
    initialDelayMs: policy.initialDelayMs ?? 200,
    maxDelayMs: policy.maxDelayMs ?? 5000,
    multiplier: policy.multiplier ?? 2,
    jitter: policy.jitter ?? true,
  };
}

/** Wait before attempt `failedAttempts + 1`. */
export function backoffDelayMs(
  policy: ResolvedRetryPolicy,
  failedAttempts: number,
  random: () => number = Math.random,
): number {
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.multiplier ** (failedAttempts - 1));
  return policy.jitter ? base / 2 + (random() * base) / 2 : base;
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
