import type { WorkQueue } from './work-queue.js';

/** What a handler asks for after processing a key. */
export interface ProcessResult {
  /** Process the key again after this delay (e.g. "waiting for pods"), keeping its backoff history. */
  requeueAfterMs?: number;
}

export interface RunWorkersOptions<K> {
  /** Give up on a key after this many rate-limited retries (Infinity by default). */
  maxRetries?: number;
  /** Told about each failure; `willRetry` is false when the key is dropped. */
  onError?(key: K, err: unknown, willRetry: boolean): void;
}

/**
 * Run `workers` concurrent loops over the queue. A handler that returns normally marks the key
 * successful (`forget`); one that throws re-queues it with the rate limiter's backoff. A key is
 * never processed by two workers at once. Resolves when the queue is shut down and drained.
 */
export async function runWorkers<K>(
  queue: WorkQueue<K>,
  workers: number,
  handler: (key: K) => Promise<ProcessResult | void>,
  options: RunWorkersOptions<K> = {},
): Promise<void> {
  const maxRetries = options.maxRetries ?? Infinity;
  const loop = async (): Promise<void> => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      try {
        const result = await handler(key);
        if (result?.requeueAfterMs !== undefined) {
          queue.addAfter(key, result.requeueAfterMs);
        } else {
          queue.forget(key);
        }
      } catch (err) {
        const willRetry = queue.numRequeues(key) < maxRetries;
        try {
          options.onError?.(key, err, willRetry);
        } catch {
          // Reporting must not kill the worker.
        }
        if (willRetry) queue.addRateLimited(key);
        else queue.forget(key);
      } finally {
        queue.done(key);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, workers) }, loop));
}
