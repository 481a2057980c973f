/**
 * node-drainer as a value: `createNodeDrainer(deps)` wires the change-stream consumer, the drain
 * work queue and its workers around injected dependencies, so `main.ts`, the local all-in-one
 * stack and the tests all run the same code.
 *
 *   change stream ──runConsumer──▶ onQuarantineChange (InProgress write, enqueue)
 *   cold start (datastore scan) ──────────────────────────────▶ WorkQueue<eventId>
 *                                      runWorkers(n) ──▶ processEvent (re-read, decide, act, requeue)
 *   pod watch per node with a waiting drain (PodWakeups) ─────▶ queue.add when awaited pods end
 */
import {
  EventRecorder,
  ItemExponentialFailureRateLimiter,
  NodeOps,
  PodOps,
  WorkQueue,
  runWorkers,
  type KubeClient,
} from '@nvsentinel/k8s';
import {
  KeyedMutex,
  createMetricsRegistry,
  moduleLogger,
  runConsumer,
  type Consumer,
  type Logger,
  type Registry,
} from '@nvsentinel/service-kit';
import type { DataStore } from '@nvsentinel/store-client';
import { resumeInFlightDrains } from './cold-start.js';
import type { DrainerConfig } from './config/drainer-config.js';
import type { DrainContext, DrainTiming } from './drain/drain-context.js';
import { PodWakeups } from './drain/pod-wakeups.js';
import { DRAIN_EVENT_COMPONENT } from './drain/labels.js';
import { processEvent } from './drain/process-event.js';
import { EvictionsFailedError } from './errors.js';
import { Tracker } from './drain/tracker.js';
import { createDrainerMetrics, type DrainerMetrics } from './metrics.js';
import { CLIENT_NAME, nodeQuarantineStatusPipeline } from './stream/pipeline.js';
import { onQuarantineChange } from './stream/on-quarantine-change.js';

export interface NodeDrainerOptions {
  /** Nodes drained in parallel. Upstream runs one worker. */
  workers: number;
  dryRun: boolean;
  timing: DrainTiming;
  /** Backoff for failed attempts (API or datastore errors): base doubling to max. Upstream: 10 s → 2 min. */
  retryBaseMs: number;
  retryMaxMs: number;
  coldStartBatchSize: number;
  /** Cold start considers only events created after this (upstream's resume-control cutoff). */
  coldStartCreatedAfter?: Date;
  /** 'now' skips the stored resume token and the cold-start scan (upstream's resume-control CREATE). */
  startAt: 'resume' | 'now';
  /**
   * Every this often the cold-start scan runs again and queues in-flight drains this process does
   * not know about (e.g. quarantined while the stream was not yet positioned on first start); 0 = off.
   */
  resyncIntervalMs: number;
  /** Change-stream events handled at once (the pre-enqueue step; drains themselves use `workers`). */
  streamConcurrency: number;
  /**
   * Watch the pods of nodes where a drain waits, and wake the drain as soon as the pods it waits
   * for end (one watch per such node). Off: drains notice finished pods only at their next poll.
   */
  podWatch: boolean;
}

export const DEFAULT_NODE_DRAINER_OPTIONS: NodeDrainerOptions = {
  workers: 4,
  dryRun: false,
  timing: {
    verifyIntervalMs: 2_000,
    pollIntervalMs: 10_000,
    blockedBackoffBaseMs: 10_000,
    blockedBackoffMaxMs: 120_000,
  },
  retryBaseMs: 10_000,
  retryMaxMs: 120_000,
  coldStartBatchSize: 1000,
  startAt: 'resume',
  resyncIntervalMs: 5 * 60_000,
  streamConcurrency: 4,
  podWatch: true,
};

export interface NodeDrainerDeps {
  datastore: DataStore;
  kube: KubeClient;
  logger: Logger;
  config: DrainerConfig;
  options?: Partial<Omit<NodeDrainerOptions, 'timing'>> & { timing?: Partial<DrainTiming> };
  /** Where metrics go; a private registry by default. */
  registry?: Registry;
  now?: () => Date;
}

export interface NodeDrainer {
  /** Resumes in-flight drains, then follows the change stream. Resolves once both are running. */
  start(): Promise<void>;
  /** Stops pulling, abandons waiting drains (the next start resumes them), waits for running attempts. */
  stop(): Promise<void>;
  /** Rejects when the change stream fails for good (the service should shut down). */
  readonly done: Promise<void>;
  readonly metrics: DrainerMetrics;
  readonly registry: Registry;
  /** The stream consumer, once started (for readiness checks). */
  consumer(): Consumer | undefined;
  stats(): { tracked: number; queued: number; processing: number; podWatches: number };
}

export function createNodeDrainer(deps: NodeDrainerDeps): NodeDrainer {
  const options: NodeDrainerOptions = {
    ...DEFAULT_NODE_DRAINER_OPTIONS,
    ...deps.options,
    timing: { ...DEFAULT_NODE_DRAINER_OPTIONS.timing, ...deps.options?.timing },
  };
  const logger = moduleLogger(deps.logger, 'node-drainer');
  const registry = deps.registry ?? createMetricsRegistry({ defaultMetrics: false });
  const metrics = createDrainerMetrics(registry);
  let wakeups: PodWakeups | undefined;
  const tracker = new Tracker({ onNodeIdle: (node) => wakeups?.release(node) });
  const mutex = new KeyedMutex();
  const store = deps.datastore.healthEventStore();
  const queue = new WorkQueue<string>({
    name: CLIENT_NAME,
    rateLimiter: new ItemExponentialFailureRateLimiter<string>(options.retryBaseMs, options.retryMaxMs),
    metrics: {
      onAdd: () => metrics.queueItemsAssigned.inc(),
      onDepth: (_name, depth) => metrics.queueDepth.set(depth),
    },
  });
  const pods = new PodOps(deps.kube);
  if (options.podWatch) {
    wakeups = new PodWakeups({ kube: deps.kube, pods, tracker, metrics, logger, wake: (id) => queue.add(id) });
  }
  const ctx: DrainContext = {
    store,
    nodes: new NodeOps(deps.kube),
    pods,
    recorder: new EventRecorder(deps.kube, { component: DRAIN_EVENT_COMPONENT }),
    config: deps.config,
    tracker,
    ...(wakeups ? { wakeups } : {}),
    metrics,
    logger,
    timing: options.timing,
    dryRun: options.dryRun,
    now: deps.now ?? (() => new Date()),
  };

  let stopping = false;
  let consumer: Consumer | undefined;
  let workers: Promise<void> | undefined;
  let resyncTimer: NodeJS.Timeout | undefined;
  let resyncRunning = false;
  let resolveDone!: () => void;
  let rejectDone!: (err: unknown) => void;
  const done = new Promise<void>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  done.catch(() => undefined); // observed through `done` by the caller; never an unhandled rejection

  const enqueue = (id: string): void => queue.add(id);

  const handleKey = async (id: string) => {
    if (stopping) return {};
    const node = tracker.get(id)?.node ?? id;
    return mutex.run(node, async () => {
      if (stopping) return {};
      const stopTimer = metrics.eventHandlingDuration.startTimer();
      try {
        return await processEvent(ctx, id);
      } finally {
        stopTimer();
      }
    });
  };

  const onAttemptError = (id: string, err: unknown, willRetry: boolean): void => {
    const node = tracker.get(id)?.node ?? 'unknown';
    // `eviction_error` is upstream's label value for failed evictions; other errors are labelled by code.
    const errorType = EvictionsFailedError.is(err) ? 'eviction_error' : ((err as { code?: string }).code ?? 'unknown');
    metrics.processingErrors.inc({ error_type: errorType, node });
    logger.warn({ err, eventId: id, node, willRetry }, 'drain attempt failed; retrying with backoff');
  };

  const resync = async (): Promise<void> => {
    if (resyncRunning || stopping) return;
    resyncRunning = true;
    try {
      const found = await resumeInFlightDrains(store, tracker, enqueue, {
        batchSize: options.coldStartBatchSize,
        createdAfter: options.coldStartCreatedAfter,
        skipTracked: true,
      });
      if (found > 0) logger.info({ found }, 'resync: queued in-flight drains the change stream had not delivered');
    } catch (err) {
      logger.warn({ err }, 'resync scan failed; the next one retries');
    } finally {
      resyncRunning = false;
    }
  };

  return {
    metrics,
    registry,
    done,
    consumer: () => consumer,
    stats: () => ({
      tracked: tracker.size,
      queued: queue.length,
      processing: queue.processingCount,
      podWatches: wakeups?.watchedNodes.length ?? 0,
    }),

    async start() {
      workers = runWorkers(queue, options.workers, handleKey, { onError: onAttemptError });
      // Position the stream BEFORE the cold-start scan: every quarantine is then either in the
      // scan or after the stream's start (or both — handlers are idempotent), never in a gap.
      const stream = store.watch({
        clientName: CLIENT_NAME,
        pipeline: nodeQuarantineStatusPipeline,
        startAt: options.startAt,
        // Changes this consumer had not processed were deleted (MongoDB's oplog window, or the SQL
        // changelog maximum age). The drains they would have started are still in the datastore:
        // the cold-start scan finds them, so the drainer recovers without a restart.
        onHistoryLost: async (info) => {
          logger.warn(
            { phase: info.phase, reason: info.reason },
            'change stream history lost; scanning the datastore for in-flight drains',
          );
          await resync();
        },
      });
      await stream.started?.();
      if (options.startAt === 'resume') {
        const resumed = await resumeInFlightDrains(store, tracker, enqueue, {
          batchSize: options.coldStartBatchSize,
          createdAfter: options.coldStartCreatedAfter,
        });
        metrics.eventsReplayed.inc(resumed);
        logger.info({ resumed }, 'cold start: in-flight drains queued again');
      }
      consumer = runConsumer(stream, {
        name: CLIENT_NAME,
        logger,
        registry,
        concurrency: options.streamConcurrency,
        partitionKey: (change) => {
          const healthevent = change.fullDocument?.healthevent as { nodename?: unknown } | undefined;
          return typeof healthevent?.nodename === 'string' ? healthevent.nodename : change.documentKey._id;
        },
        handle: (change) => onQuarantineChange({ store, tracker, metrics, logger, enqueue }, change),
      });
      consumer.done.then(resolveDone, rejectDone);
      if (options.resyncIntervalMs > 0) {
        resyncTimer = setInterval(() => void resync(), options.resyncIntervalMs);
        resyncTimer.unref();
      }
    },

    async stop() {
      stopping = true;
      clearInterval(resyncTimer);
      await consumer?.stop();
      await queue.shutDown();
      await workers;
      await wakeups?.stop();
      resolveDone();
    },
  };
}
