/**
 * Structural types for the change-stream consumer. They describe what store-client's
 * `ChangeStream` provides without importing it, so service-kit stays independent of the datastore.
 */
import type { Registry } from 'prom-client';
import type { Logger } from '../logging/create-logger.js';

export interface ChangeStreamEventLike {
  /** Opaque position; passing it to `markProcessed` means "resume after this event". */
  readonly resumeToken: string;
}

export interface ChangeStreamLike<E extends ChangeStreamEventLike> extends AsyncIterable<E> {
  markProcessed(resumeToken: string): Promise<void>;
  close(): Promise<void>;
}

export interface HandlerContext {
  /** 1 for the first try. */
  attempt: number;
  partition: string;
  /** Aborted when a stop's timeout expires; long handlers should give up (the event is redelivered). */
  signal: AbortSignal;
}

export interface RetryPolicy {
  /** Tries before an event counts as blocking (it is retried after that too); default 3. */
  maxAttempts?: number;
  /** Wait after the first failure; default 200 ms. */
  initialDelayMs?: number;
  /** Cap on any single wait; default 5 s. */
  maxDelayMs?: number;
  /** Growth per failure; default 2. */
  multiplier?: number;
  /** Randomize each wait between half and all of it so retrying replicas don't synchronize; default true. */
  jitter?: boolean;
}

export interface ConsumerOptions<E extends ChangeStreamEventLike> {
  /** Consumer name (upstream client name, e.g. `node-drainer`); the `consumer` metric label. */
  name: string;
  handle(event: E, context: HandlerContext): Promise<void> | void;
  /**
   * Events with one key are handled strictly in stream order, different keys in parallel.
   * Typically the node name. Default: one key for everything, i.e. fully serial like upstream.
   */
  partitionKey?(event: E): string;
  /** Partitions worked at the same time; default 1. */
  concurrency?: number;
  /** Events pulled but not yet settled before pulling pauses (backpressure); default 100. */
  maxInFlight?: number;
  retry?: RetryPolicy;
  /**
   * After the last retry fails: true counts the event as done (the checkpoint may pass it, so it
   * is dropped), false (default) leaves it unfinished so the checkpoint stays before it and a
   * restart redelivers it — and every later event, which handlers must tolerate (at-least-once).
   */
  markProcessedOnError?: boolean;
  /**
   * Errors that retrying cannot fix (bad data, a rule that can never match). Every other error is
   * retried until it succeeds — after `retry.maxAttempts` at the longest backoff, with the event
   * counted in `blockingCheckpoint` — so an outage never drops work. Default: none is permanent.
   */
  isPermanentError?(err: unknown): boolean;
  /**
   * Events to handle before the first event of the stream: the cold-start scan of work stored
   * while no consumer ran (for example before this consumer's very first start, when there is no
   * stored position yet). Open the stream (positioned) before scanning, so every change after the
   * scan's snapshot arrives through the stream; an event seen by both is handled twice, which an
   * idempotent handler tolerates. Scanned events do not move the checkpoint (run the scan on
   * every start: whatever it finds is by definition not done yet).
   */
  coldStart?: () => AsyncIterable<E>;
  /**
   * Minimum time between two `markProcessed` calls; default 0 (save as soon as the previous
   * save returns). Raising it cuts checkpoint writes during event storms at the cost of more
   * redelivery after a crash; `stop()` always saves the newest eligible token.
   */
  checkpointIntervalMs?: number;
  /** How long `stop()` waits for running handlers before abandoning them; default 10 s. */
  stopTimeoutMs?: number;
  /**
   * When the change happened, for the lag gauge. Default: the event's `clusterTime` (commit
   * time in store-client's change events) when it is a Date or epoch milliseconds.
   */
  eventTime?(event: E): Date | number | undefined;
  /** Close the stream when the consumer stops; default true. */
  closeStream?: boolean;
  /** Where the consumer metrics live; default a private registry (metrics still counted, not served). */
  registry?: Registry;
  /** Metric name prefix; default `nvsentinel_consumer`. */
  metricsPrefix?: string;
  logger?: Logger;
}

export type ConsumerState = 'running' | 'stopping' | 'stopped' | 'failed';

export interface ConsumerStats {
  /** `failed` when the stream itself broke (see `done`). */
  state: ConsumerState;
  pulled: number;
  processed: number;
  failed: number;
  /** Pulled and not yet settled (queued or running). */
  inFlight: number;
  /**
   * Events that keep the checkpoint from advancing: still retrying after `retry.maxAttempts`, or
   * failed permanently with markProcessedOnError=false. Readiness is false while it is above 0.
   */
  blockingCheckpoint: number;
  /** Last token saved with markProcessed. */
  checkpoint: string | undefined;
}

export interface Consumer {
  /**
   * Stops pulling, drops queued events that have not started, waits for running handlers up to
   * `stopTimeoutMs`, saves the newest eligible checkpoint and closes the stream. Idempotent.
   * Rejects only when the final checkpoint could not be saved.
   */
  stop(): Promise<void>;
  /**
   * Settles when the consumer has stopped: resolves after `stop()` or the end of the stream,
   * rejects with the stream's error if iterating it failed (after in-flight work was drained and
   * the checkpoint saved). Typical use: `consumer.done.catch((err) => service.shutdown(err))`.
   */
  readonly done: Promise<void>;
  stats(): ConsumerStats;
}
