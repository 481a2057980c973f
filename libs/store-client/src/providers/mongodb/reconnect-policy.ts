/**
 * When the change-stream loop reopens after a transient failure, and when it gives up. The
 * interval follows upstream's MONGODB_CHANGE_STREAM_RETRY_INTERVAL_SECONDS (3 s), backing off
 * exponentially from a shorter first delay so a primary election (a few seconds) costs little
 * latency. Unlike upstream (60 s) it never gives up by default: a consumer that exits during an
 * outage only crash-loops until the database is back, so it waits instead (readiness reports the
 * outage). Setting MONGODB_CHANGE_STREAM_RETRY_DEADLINE_SECONDS restores a deadline.
 */
export interface ReconnectPolicy {
  /** Delay before the first reopen. */
  initialDelayMs: number;
  /** Upper bound for any single delay. */
  maxDelayMs: number;
  /** Growth factor per consecutive failure. */
  multiplier: number;
  /** Give up when failures have lasted this long without one successful read. */
  deadlineMs: number;
}

export const DEFAULT_RECONNECT_POLICY: ReconnectPolicy = {
  initialDelayMs: 250,
  maxDelayMs: 3_000,
  multiplier: 2,
  deadlineMs: Number.POSITIVE_INFINITY,
};

/** Delay before reopen number `attempt` (1-based) of the current outage. */
export function reconnectDelayMs(attempt: number, policy: ReconnectPolicy = DEFAULT_RECONNECT_POLICY): number {
  const exponent = Math.max(0, attempt - 1);
  return Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.multiplier ** exponent);
}

/**
 * Whether to reopen once more. `outageStartedAt` is when the first of the consecutive failures
 * happened; a successful read ends the outage and resets the count.
 */
export function shouldReconnect(
  outageStartedAt: number,
  now: number,
  nextDelayMs: number,
  policy: ReconnectPolicy = DEFAULT_RECONNECT_POLICY,
): boolean {
  return now + nextDelayMs - outageStartedAt <= policy.deadlineMs;
}
