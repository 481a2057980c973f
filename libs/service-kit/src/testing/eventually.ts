/**
 * Polls `check` until it returns a value (anything but `undefined` or `false`) and returns it.
 * The bound only turns a hang into a readable failure; it is generous so that a loaded CI
 * machine cannot fail a test that would pass, and it is never a speed assertion (speed is
 * measured by tools/bench). An error thrown by `check` counts as "not yet" and is reported
 * with the failure.
 */
export interface EventuallyOptions {
  /** Give up after this long. Default 60 s. */
  timeoutMs?: number;
  /** Pause between checks. Default 25 ms. */
  intervalMs?: number;
}

export async function eventually<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  options: EventuallyOptions = {},
): Promise<T> {
  const { timeoutMs = 60_000, intervalMs = 25 } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `${what} not reached within ${timeoutMs} ms${lastError ? `: ${(lastError as Error).message}` : ''}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
