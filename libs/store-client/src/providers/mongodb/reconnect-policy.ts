/**
 * When the change-stream loop reopens after a transient failure, and when it gives up. Defaults
 * follow upstream's MONGODB_CHANGE_STREAM_RETRY_INTERVAL_SECONDS (3 s) and
 * MONGODB_CHANGE_STREAM_RETRY_DEADLINE_SECONDS (60 s), but back off exponentially from a shorter
 * first delay so a primary election (a few seconds) costs little latency.
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
  deadlineMs: 60_000,
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
