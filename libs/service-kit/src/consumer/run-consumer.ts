/**
 * The change-stream consumer loop every NVSentinel service runs: pull events, handle them
 * partitioned by key (in order per key, parallel across keys), retry failures with backoff,
 * pause pulling under backpressure, and checkpoint with a low-water mark so that a crash or
 * restart never skips an unfinished event (at-least-once; handlers must be idempotent).
 */
import { pino } from 'pino';
import { CheckpointFailedError, ConsumerUsageError, HandlerFailedError } from '../errors/catalogue.js';
import { backoffDelayMs, resolveRetryPolicy, sleep } from './backoff.js';
import { Checkpointer } from './checkpointer.js';
import { createConsumerMetrics } from './consumer-metrics.js';
import { LowWaterMark } from './low-water-mark.js';
import { PartitionScheduler } from './partition-scheduler.js';
import type {
  ChangeStreamEventLike,
  ChangeStreamLike,
  Consumer,
  ConsumerOptions,
  ConsumerState,
  ConsumerStats,
} from './types.js';

type Outcome = 'processed' | 'failed' | 'abandoned';

const STOP = Symbol('stop');
/** Key used when `partitionKey` throws: such events still run, serialized among themselves. */
const UNKEYED = '\u0000unkeyed';

export function runConsumer<E extends ChangeStreamEventLike>(
  stream: ChangeStreamLike<E>,
  options: ConsumerOptions<E>,
): Consumer {
  const concurrency = options.concurrency ?? 1;
  const maxInFlight = options.maxInFlight ?? 100;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new ConsumerUsageError(`concurrency must be an integer ≥ 1, got ${concurrency}`);
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1)
    throw new ConsumerUsageError(`maxInFlight must be an integer ≥ 1, got ${maxInFlight}`);

  const retry = resolveRetryPolicy(options.retry);
  const stopTimeoutMs = options.stopTimeoutMs ?? 10_000;
  const logger = (options.logger ?? pino({ level: 'silent' })).child({ module: 'consumer', consumer: options.name });
  const metrics = createConsumerMetrics({
    name: options.name,
    prefix: options.metricsPrefix,
    registry: options.registry,
  });
  const watermark = new LowWaterMark();
  const scheduler = new PartitionScheduler(concurrency);
  const checkpointer = new Checkpointer((token) => stream.markProcessed(token), {
    minIntervalMs: options.checkpointIntervalMs,
    onSaved: (token) => logger.debug({ token }, 'checkpoint saved'),
    onError: (err, token) => {
      metrics.checkpointFailures.inc();
      logger.error({ err, token }, 'saving checkpoint failed; will retry with the next one');
    },
  });

  /** Aborted when stop begins: no new retry waits. */
  const stopping = new AbortController();
  /** Aborted when stop's timeout expires: handlers are asked to give up. */
  const hardStop = new AbortController();
  const stopRequested = new Promise<typeof STOP>((resolve) =>
    stopping.signal.addEventListener('abort', () => resolve(STOP), { once: true }),
  );

  const stats: Omit<ConsumerStats, 'checkpoint' | 'inFlight' | 'state'> = {
    pulled: 0,
    processed: 0,
    failed: 0,
    blockingCheckpoint: 0,
  };
  let state: ConsumerState = 'running';
  const eventTime = options.eventTime ?? clusterTimeOf;
  let inFlight = 0;
  let finished = false;
  let settleWaiters: (() => void)[] = [];

  function settled(): void {
    inFlight--;
    metrics.inFlight.set(inFlight);
    const waiters = settleWaiters;
    settleWaiters = [];
    for (const wake of waiters) wake();
  }
  const nextSettle = () => new Promise<void>((resolve) => settleWaiters.push(resolve));

  async function untilIdle(): Promise<void> {
    while (inFlight > 0) await nextSettle();
  }

  /**
   * Retries until the handler succeeds: a transient failure (datastore or API server away) must
   * never leave an event "until restart". After `maxAttempts` the event counts as blocking — the
   * checkpoint stays before it and readiness turns false — while it keeps being retried at the
   * longest backoff. Only an error the service calls permanent (`isPermanentError`) ends it as failed.
   */
  async function handleWithRetries(event: E, partition: string): Promise<Outcome> {
    let blocking = false;
    const unblock = () => {
      if (!blocking) return;
      blocking = false;
      stats.blockingCheckpoint--;
      metrics.blockingCheckpoint.set(stats.blockingCheckpoint);
    };
    try {
      for (let attempt = 1; ; attempt++) {
        const endTimer = metrics.duration.startTimer();
        try {
          await options.handle(event, { attempt, partition, signal: hardStop.signal });
          endTimer();
          if (attempt > retry.maxAttempts)
            logger.info({ token: event.resumeToken, partition, attempt }, 'handler succeeded after retrying');
          return 'processed';
        } catch (err) {
          endTimer();
          if (options.isPermanentError?.(err)) {
            logger.error(
              { err: new HandlerFailedError(event.resumeToken, partition, attempt, { cause: err }) },
              'handler failed permanently',
            );
            return 'failed';
          }
          if (stopping.signal.aborted) return 'abandoned';
          if (attempt === retry.maxAttempts && !blocking) {
            blocking = true;
            stats.blockingCheckpoint++;
            metrics.blockingCheckpoint.set(stats.blockingCheckpoint);
            logger.error(
              { err: new HandlerFailedError(event.resumeToken, partition, attempt, { cause: err }) },
              'handler keeps failing; retrying until it succeeds (the checkpoint waits, readiness is false)',
            );
          }
          const delayMs = backoffDelayMs(retry, Math.min(attempt, 30));
          metrics.retries.inc();
          if (attempt < retry.maxAttempts)
            logger.warn({ err, token: event.resumeToken, partition, attempt, delayMs }, 'handler failed; retrying');
          if (!(await sleep(delayMs, stopping.signal))) return 'abandoned';
        }
      }
    } finally {
      unblock();
    }
  }

  /** `checkpointed: false` for cold-start events: they have no stream position to mark. */
  function dispatch(event: E, checkpointed = true): void {
    stats.pulled++;
    inFlight++;
    metrics.inFlight.set(inFlight);
    const seq = checkpointed ? watermark.track(event.resumeToken) : undefined;
    let partition: string;
    try {
      partition = options.partitionKey ? options.partitionKey(event) : '';
    } catch (err) {
      logger.error(
        { err, token: event.resumeToken },
        'partitionKey threw; handling the event in the shared fallback partition',
      );
      partition = UNKEYED;
    }
    scheduler.submit(partition, async () => {
      try {
        record(await handleWithRetries(event, partition), event, seq);
      } finally {
        settled();
      }
    });
  }

  function record(outcome: Outcome, event: E, seq: number | undefined): void {
    if (seq === undefined) {
      if (outcome === 'processed') {
        stats.processed++;
        metrics.processed.inc();
      } else if (outcome === 'failed') {
        stats.failed++;
        metrics.failed.inc();
      }
      return;
    }
    if (outcome === 'processed') {
      stats.processed++;
      metrics.processed.inc();
      const time = eventTime(event);
      if (time !== undefined) metrics.lag.set(Math.max(0, (Date.now() - new Date(time).getTime()) / 1000));
      watermark.finish(seq);
    } else if (outcome === 'failed') {
      stats.failed++;
      metrics.failed.inc();
      if (options.markProcessedOnError) {
        watermark.finish(seq);
      } else {
        stats.blockingCheckpoint++;
        metrics.blockingCheckpoint.set(stats.blockingCheckpoint);
        logger.warn(
          { token: event.resumeToken },
          'permanently failed event left unmarked; the checkpoint stays before it until restart',
        );
      }
    }
    // 'abandoned' (stopping) stays unfinished: redelivered after restart.
    // A handler that outlived stop() must not move a checkpoint of a stream already closed.
    if (!finished) checkpointer.offer(watermark.eligible);
  }

  /** Waits while too much is in flight; false when stop was requested meanwhile. */
  async function roomToPull(): Promise<boolean> {
    while (inFlight >= maxInFlight) {
      if ((await Promise.race([nextSettle(), stopRequested])) === STOP) return false;
    }
    return !stopping.signal.aborted;
  }

  /**
   * The cold-start scan runs to its end before the stream is read, so within a partition every
   * scanned (older) event is handled before any streamed one. A scan that fails (datastore away)
   * starts over after a backoff: repeats are harmless, a skipped event is not.
   */
  async function runColdStart(scan: () => AsyncIterable<E>): Promise<void> {
    for (let attempt = 1; !stopping.signal.aborted; attempt++) {
      let scanned = 0;
      try {
        for await (const event of scan()) {
          if (!(await roomToPull())) return;
          dispatch(event, false);
          scanned++;
        }
        logger.info({ scanned }, 'cold-start scan done');
        return;
      } catch (err) {
        const delayMs = backoffDelayMs(retry, Math.min(attempt, 30));
        logger.warn({ err, attempt, scanned, delayMs }, 'cold-start scan failed; starting it over');
        if (!(await sleep(delayMs, stopping.signal))) return;
      }
    }
  }

  async function pull(): Promise<unknown> {
    if (options.coldStart) await runColdStart(options.coldStart);
    const iterator = stream[Symbol.asyncIterator]();
    try {
      while (!stopping.signal.aborted) {
        if (inFlight >= maxInFlight) {
          await Promise.race([nextSettle(), stopRequested]);
          continue;
        }
        const next = iterator.next();
        // If stop wins the race, the abandoned pull may still settle later; never let it go unhandled.
        next.catch(() => {});
        const result = await Promise.race([next, stopRequested]);
        if (result === STOP || result.done) break;
        if (stopping.signal.aborted) break; // pulled during stop: not handled, not marked, redelivered later
        dispatch(result.value);
      }
      return undefined;
    } catch (err) {
      logger.error({ err }, 'change stream failed; draining in-flight events before stopping');
      return err ?? new Error('change stream failed');
    }
  }

  async function drainAndClose(error: unknown): Promise<void> {
    if (error === undefined) {
      // The stream ended by itself: finish everything already pulled, unless stop() is called meanwhile.
      while (inFlight > 0 && !stopping.signal.aborted) await Promise.race([nextSettle(), stopRequested]);
    }
    if (stopping.signal.aborted) {
      const dropped = scheduler.clearQueued();
      for (let i = 0; i < dropped; i++) settled();
      if (dropped > 0)
        logger.info({ dropped }, 'dropped queued events that had not started; they are redelivered on restart');
    }
    if (inFlight > 0) {
      const timedOut = await Promise.race([untilIdle().then(() => false), delay(stopTimeoutMs).then(() => true)]);
      if (timedOut) {
        hardStop.abort();
        logger.warn({ inFlight, stopTimeoutMs }, 'handlers still running after the stop timeout; abandoning them');
      }
    }
    finished = true;
    try {
      await checkpointer.flush();
    } finally {
      if (options.closeStream ?? true)
        await stream.close().catch((err: unknown) => logger.warn({ err }, 'closing the stream failed'));
      logger.info({ ...consumerStats() }, 'consumer stopped');
    }
  }

  function consumerStats(): ConsumerStats {
    return { state, ...stats, inFlight, checkpoint: checkpointer.saved };
  }

  const done = (async () => {
    const error = await pull();
    state = error === undefined ? 'stopping' : 'failed';
    try {
      await drainAndClose(error);
    } catch (err) {
      state = 'failed';
      throw err;
    }
    if (error !== undefined) throw error;
    state = 'stopped';
  })();
  // `done` is also observed through stop(); keep an unobserved rejection from crashing the process.
  done.catch(() => {});

  let stopPromise: Promise<void> | undefined;
  return {
    done,
    stats: consumerStats,
    stop() {
      stopPromise ??= (() => {
        if (state === 'running') state = 'stopping';
        stopping.abort();
        // A stream error is reported through `done`; stop() fails only if the final checkpoint does.
        return done.catch((err: unknown) => {
          if (CheckpointFailedError.is(err)) throw err;
        });
      })();
      return stopPromise;
    },
  };
}

function clusterTimeOf(event: ChangeStreamEventLike): Date | number | undefined {
  const time = (event as { clusterTime?: unknown }).clusterTime;
  return time instanceof Date || typeof time === 'number' ? time : undefined;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
