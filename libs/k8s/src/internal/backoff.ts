/** Exponential backoff with proportional jitter, the shape client-go's wait.Backoff uses. */
export interface BackoffPolicy {
  /** Delay before the first retry. */
  initialMs: number;
  /** Upper bound for any single delay (before jitter). */
  maxMs: number;
  /** Multiplier applied per attempt; 1 gives a constant delay. */
  factor: number;
  /** Up to this fraction of the delay is added at random, so retrying writers spread out. */
  jitter: number;
}

/** Delay before retry number `attempt` (0-based). `random` is injectable for deterministic tests. */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  const base = Math.min(policy.maxMs, policy.initialMs * Math.pow(policy.factor, Math.max(0, attempt)));
  return base + base * policy.jitter * random();
}
