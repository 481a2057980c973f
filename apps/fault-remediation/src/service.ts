/**
 * fault-remediation as a value: `createFaultRemediation(deps)` wires the change-stream consumer,
 * the cold-start scan, the in-progress requeues and (optionally) leader election around
 * injected dependencies, so the shared entry point, the local stack and the tests run the same code.
 *
 *   change stream ──runConsumer (partition = node)──┐
 *   cold start (datastore scan, oldest first) ──────┼──▶ per-node mutex ──▶ reconcile(event)
 *   requeue timers (CR in progress, log Job) ───────┘
 *
 * With leader election only the Lease holder runs any of this; losing the Lease stops acting at
 * once (every write is gated on it) and ends the service (`done` rejects), as controller-runtime does.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { type HealthEventWithStatus, fromDocument } from '@nvsentinel/health-model';
import {
  ConfigMapOps,
  CustomObjectOps,
  type KubeClient,
  LeaderElection,
  NodeCache,
  decideStart,
} from '@nvsentinel/k8s';
import {
  type Consumer,
  type Logger,
  type Registry,
  KeyedMutex,
  createMetricsRegistry,
  moduleLogger,
  runConsumer,
} from '@nvsentinel/service-kit';
import type { ChangeEvent, ChangeStream, DataStore } from '@nvsentinel/store-client';
import { findUnresolvedEvents } from './cold-start.js';
import type { RemediationConfig } from './config/remediation-config.js';
import { LeaderElectionError } from './errors.js';
import { type RemediationMetrics, createRemediationMetrics } from './metrics.js';
import { CreationsFirst } from './remediation/creations-first.js';
import { LogCollector } from './remediation/log-collector.js';
import { NodeMetadata } from './remediation/node-metadata.js';
import {
  IN_PROGRESS_REQUEUE_MS,
  NotActingError,
  type Outcome,
  type ReconcileContext,
  reconcile,
} from './remediation/reconcile.js';
import { CLIENT_NAME, quarantinedAndDrainedPipeline } from './stream/pipeline.js';

/** How many event ids `attempted` remembers (a few MB at most). */
const ATTEMPTED_IDS_LIMIT = 100_000;

export interface LogCollectorSettings {
  /** YAML of the batch/v1 Job (upstream's log-collector-job.yaml). */
  manifest: string;
  manifestPath: string;
  timeoutMs: number;
  /** How often a running Job is looked at again; upstream 10 s. */
  recheckMs: number;
}

export interface FaultRemediationOptions {
  dryRun: boolean;
  /** Nodes handled in parallel (events of one node stay in order). */
  workers: number;
  /** Events pulled from the stream but not finished before pulling pauses. */
  maxInFlight: number;
  coldStartBatchSize: number;
  /** Honour the resume-control ConfigMap (CREATE = skip the backlog, cold-start cut-off). */
  resumeControl: boolean;
  /** Skip the stored position and the cold-start scan, whatever resume-control says. */
  startFresh: boolean;
  /** An event held behind an InProgress CR looks again after this long (upstream 30 s). */
  inProgressRequeueMs: number;
  /** First wait after a failed requeued or cold-start attempt; doubles up to `retryMaxMs`. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** How long `stop()` waits for running handlers. */
  stopTimeoutMs: number;
  leaderElect: boolean;
  /** Lease namespace; the service namespace when unset. */
  leaderElectionNamespace?: string;
  leaderElectionId: string;
  /** This replica's identity in the Lease; the pod name (HOSTNAME) plus a random suffix by default. */
  identity?: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  logCollector?: LogCollectorSettings;
  /** Namespace of log-collector Jobs; the service namespace when unset. */
  logCollectorNamespace?: string;
  /**
   * Called after a CR is created and before the node annotation and status writes. Tests use it
   * to stop a replica at exactly that point (a crash between the CR and the status).
   */
  afterCrCreated?: (crName: string) => Promise<void>;
  /**
   * Longest wait of a created CR's outcome writes (annotation, label, status) while other
   * attempts are still on their way to their CRs; 0 writes them at once.
   */
  outcomeWriteMaxWaitMs: number;
}

export const DEFAULT_FAULT_REMEDIATION_OPTIONS: FaultRemediationOptions = {
  dryRun: false,
  workers: 16,
  maxInFlight: 1000,
  coldStartBatchSize: 1000,
  resumeControl: true,
  startFresh: false,
  inProgressRequeueMs: IN_PROGRESS_REQUEUE_MS,
  retryBaseMs: 1_000,
  retryMaxMs: 60_000,
  stopTimeoutMs: 10_000,
  leaderElect: false,
  leaderElectionId: 'fault-remediation-leader',
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
  outcomeWriteMaxWaitMs: 2_000,
};

export interface FaultRemediationDeps {
  datastore: DataStore;
  kube: KubeClient;
  logger: Logger;
  /** Namespace of the resume-control ConfigMap, the leader Lease and log-collector Jobs. */
  namespace: string;
  config: RemediationConfig;
  options?: Partial<FaultRemediationOptions>;
  registry?: Registry;
  now?: () => Date;
}

export interface FaultRemediationService {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly done: Promise<void>;
  readinessChecks(): Record<string, () => Promise<{ ok: boolean; detail?: string }>>;
  readonly metrics: RemediationMetrics;
  readonly registry: Registry;
  /** True while this replica acts (always, without leader election, once started). */
  isActing(): boolean;
}

export function createFaultRemediation(deps: FaultRemediationDeps): FaultRemediationService {
  const options: FaultRemediationOptions = { ...DEFAULT_FAULT_REMEDIATION_OPTIONS, ...deps.options };
  const logger = moduleLogger(deps.logger, CLIENT_NAME);
  const registry = deps.registry ?? createMetricsRegistry({ defaultMetrics: false });
  const metrics = createRemediationMetrics(registry);
  const store = deps.datastore.healthEventStore();
  const now = deps.now ?? (() => new Date());
  const crs = new CustomObjectOps(deps.kube);
  const mutex = new KeyedMutex();
  const identity = options.identity ?? `${process.env.HOSTNAME ?? hostname()}_${randomUUID().slice(0, 8)}`;
  const election = options.leaderElect
    ? new LeaderElection(deps.kube, {
        name: options.leaderElectionId,
        namespace: options.leaderElectionNamespace ?? deps.namespace,
        identity,
        leaseDurationMs: options.leaseDurationMs,
        renewDeadlineMs: options.renewDeadlineMs,
        retryPeriodMs: options.retryPeriodMs,
        onError: (err) => logger.warn({ err }, 'leader election request failed; retrying'),
      })
    : undefined;

  let started = false;
  let stopping = false;
  let acting = false;
  let leaseLost = false;
  let consumer: Consumer | undefined;
  let stream: ChangeStream | undefined;
  const timers = new Map<string, NodeJS.Timeout>();
  const running = new Set<Promise<unknown>>();
  let resolveDone!: () => void;
  let rejectDone!: (err: unknown) => void;
  const done = new Promise<void>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  done.catch(() => undefined); // observed by the caller through `done`

  const isActing = (): boolean => acting && !stopping && (election ? election.isLeader : true);
  metrics.leader.set(0);

  // Node reads of the hot path come from a watch: one LIST at start instead of a GET per event.
  const nodeCache = new NodeCache(deps.kube, {
    onError: (err, restartInMs) => logger.warn({ err, restartInMs }, 'node watch failed; restarting'),
  });
  const ctx: ReconcileContext = {
    store,
    nodes: new NodeMetadata(deps.kube, nodeCache),
    crs,
    ...(options.afterCrCreated ? { afterCrCreated: options.afterCrCreated } : {}),
    creationsFirst: new CreationsFirst(options.outcomeWriteMaxWaitMs),
    config: deps.config,
    metrics,
    logger,
    dryRun: options.dryRun,
    now,
    isActing,
    ...(options.logCollector
      ? {
          logCollector: new LogCollector(deps.kube, metrics, logger, {
            ...options.logCollector,
            namespace: options.logCollectorNamespace ?? deps.namespace,
            dryRun: options.dryRun,
            now,
          }),
        }
      : {}),
  };

  /**
   * Events this process has already attempted. The change stream looks the document up when it
   * reads the change, so for an event not attempted yet that document is as new as anything this
   * process could know and the attempt uses it as delivered, without a datastore read on the way
   * to the CR. Any later attempt (a second change of the same event, a requeue, the cold start
   * meeting the stream) reads the event again, so it sees what the earlier attempt wrote. A write
   * by another component after the lookup brings its own change, handled after this one in the
   * node's order. Bounded: forgetting the oldest ids only costs a read on their next attempt.
   */
  const attempted = new Set<string>();
  const markAttempted = (id: string): boolean => {
    if (attempted.has(id)) return true;
    attempted.add(id);
    if (attempted.size > ATTEMPTED_IDS_LIMIT) attempted.delete(attempted.values().next().value!);
    return false;
  };

  /**
   * One attempt at one event, under its node's mutex: whichever path comes second (stream, cold
   * start, requeue) sees what the first one wrote and does not act twice.
   */
  const handleEvent = async (
    node: string,
    id: string,
    delivered?: HealthEventWithStatus,
  ): Promise<Outcome | undefined> =>
    mutex.run(node, async () => {
      if (!isActing()) throw new NotActingError();
      const seenBefore = markAttempted(id);
      const event = delivered && !seenBefore ? delivered : await store.findHealthEventById(id);
      if (!event) {
        cancelTimer(id);
        return undefined; // deleted (TTL) since
      }
      const stopTimer = metrics.eventHandlingDuration.startTimer();
      try {
        const outcome = await reconcile(ctx, event, { inProgressRequeueMs: options.inProgressRequeueMs });
        if (outcome.kind === 'requeue') schedule(id, node, outcome.afterMs);
        else cancelTimer(id);
        logger.debug({ node, eventId: id, outcome }, 'event handled');
        return outcome;
      } catch (err) {
        if (!(err instanceof NotActingError)) {
          const errorType = (err as { code?: string }).code ?? 'unknown';
          metrics.processingErrors.inc({ error_type: errorType, node_name: node });
        }
        throw err;
      } finally {
        stopTimer();
      }
    });

  /** Requeued and cold-start attempts: failures retry with backoff. */
  const processById = async (id: string, node: string, failures = 0): Promise<void> => {
    if (!isActing()) return;
    try {
      await handleEvent(node, id);
    } catch (err) {
      if (err instanceof NotActingError || !isActing()) return;
      const delay = Math.min(options.retryMaxMs, options.retryBaseMs * 2 ** failures);
      logger.warn({ err, eventId: id, delayMs: delay }, 'remediation attempt failed; retrying');
      schedule(id, node, delay, failures + 1);
    }
  };

  const track = (promise: Promise<unknown>): void => {
    const p = promise.finally(() => running.delete(p));
    running.add(p);
  };

  function schedule(id: string, node: string, afterMs: number, failures = 0): void {
    if (stopping) return;
    cancelTimer(id);
    const timer = setTimeout(() => {
      timers.delete(id);
      track(processById(id, node, failures));
    }, afterMs);
    timer.unref();
    timers.set(id, timer);
  }

  function cancelTimer(id: string): void {
    const timer = timers.get(id);
    if (timer) clearTimeout(timer);
    timers.delete(id);
  }

  const coldStart = async (createdAfter: Date | undefined): Promise<number> => {
    const entries = await findUnresolvedEvents(store, {
      batchSize: options.coldStartBatchSize,
      ...(createdAfter ? { createdAfter } : {}),
    });
    metrics.eventsReplayed.inc(entries.length);
    // Each node's events run in order through its mutex; nodes proceed in parallel.
    for (const entry of entries) track(processById(entry.id, entry.node));
    return entries.length;
  };

  const handleChange = async (change: ChangeEvent): Promise<void> => {
    metrics.eventsReceived.inc();
    if (!change.fullDocument) return;
    let event: HealthEventWithStatus;
    try {
      event = fromDocument(change.fullDocument);
    } catch (err) {
      // Redelivering an undecodable document would fail the same way forever (upstream drops it too).
      logger.error({ err, eventId: change.documentKey._id }, 'skipping an undecodable health event');
      return;
    }
    await handleEvent(event.healthEvent.nodeName, event.id, event);
  };

  /** Positions the stream, runs the cold-start scan and starts consuming: the leader's work. */
  const begin = async (): Promise<void> => {
    acting = true;
    metrics.leader.set(1);
    nodeCache.start();
    await nodeCache.waitForSync();
    const decision = options.startFresh
      ? { startAt: 'now' as const, confirm: async () => undefined }
      : options.resumeControl
        ? await decideStart(new ConfigMapOps(deps.kube), deps.namespace, CLIENT_NAME, {
            readOnly: options.dryRun,
          }).catch((err: unknown) => {
            logger.warn(
              { err },
              'resume-control ConfigMap unavailable; resuming from the stored position (check RBAC for configmaps)',
            );
            return { startAt: 'resume' as const, confirm: async () => undefined, coldStartCreatedAfter: undefined };
          })
        : { startAt: 'resume' as const, confirm: async () => undefined };
    const cutoff = 'coldStartCreatedAfter' in decision ? decision.coldStartCreatedAfter : undefined;
    stream = store.watch({
      clientName: CLIENT_NAME,
      pipeline: quarantinedAndDrainedPipeline,
      startAt: decision.startAt,
      // Changes this consumer never saw were deleted: the events still needing work are in the datastore.
      onHistoryLost: async (info) => {
        logger.warn(
          { phase: info.phase, reason: info.reason },
          'change stream history lost; scanning the datastore for unresolved events',
        );
        await coldStart(cutoff);
      },
    });
    // Positioned first, scanned second: every event is in the scan, after the position, or both.
    await stream.started?.();
    await decision.confirm();
    if (decision.startAt === 'resume') {
      const found = await coldStart(cutoff);
      logger.info({ found, cutoff }, 'cold start: unresolved events queued');
    }
    if (stopping) return;
    consumer = runConsumer(stream, {
      name: CLIENT_NAME,
      logger,
      registry,
      concurrency: options.workers,
      maxInFlight: options.maxInFlight,
      stopTimeoutMs: options.stopTimeoutMs,
      partitionKey: (change) => {
        const he = change.fullDocument?.healthevent as { nodename?: unknown } | undefined;
        return typeof he?.nodename === 'string' ? he.nodename : change.documentKey._id;
      },
      handle: handleChange,
    });
    consumer.done.then(
      () => {
        if (!stopping && !leaseLost) resolveDone();
      },
      (err: unknown) => rejectDone(err),
    );
  };

  /** Leadership lost: stop every write now, stop pulling, and end the service (a restart rejoins the election). */
  const onLost = async (): Promise<void> => {
    if (stopping || !acting) return;
    acting = false;
    leaseLost = true;
    metrics.leader.set(0);
    logger.error({ identity }, 'leader lease lost: stopped acting');
    for (const id of [...timers.keys()]) cancelTimer(id);
    await consumer
      ?.stop()
      .catch((err: unknown) => logger.warn({ err }, 'stopping the consumer after losing the lease failed'));
    rejectDone(
      new LeaderElectionError(
        `${options.leaderElectionNamespace ?? deps.namespace}/${options.leaderElectionId}`,
        'this replica lost the lease',
      ),
    );
  };

  return {
    metrics,
    registry,
    done,
    isActing,

    async start() {
      if (started) return;
      started = true;
      if (!election) return begin();
      logger.info({ identity, lease: options.leaderElectionId }, 'waiting to become the leader');
      // Standby replicas are "running": start() resolves and leadership is taken in the background.
      track(
        election
          .acquire()
          .then(async () => {
            if (stopping) return;
            logger.info({ identity }, 'became the leader');
            void election.lost.then(onLost);
            await begin();
          })
          .catch((err: unknown) => {
            if (!stopping) rejectDone(err);
          }),
      );
    },

    async stop() {
      if (stopping) return;
      stopping = true;
      for (const id of [...timers.keys()]) cancelTimer(id);
      await consumer?.stop();
      if (!consumer) await stream?.close();
      // Before waiting for tracked work: a standby's pending acquire() only ends when the election stops.
      await election?.stop();
      await Promise.allSettled([...running]);
      await nodeCache.stop();
      acting = false;
      metrics.leader.set(0);
      resolveDone();
    },

    readinessChecks() {
      return {
        'fault-remediation': async () => {
          if (election && !acting) return { ok: true, detail: 'standby: another replica holds the leader lease' };
          const stats = consumer?.stats();
          if (!stats) return { ok: false, detail: 'starting: change stream not positioned yet' };
          return {
            ok: stats.state === 'running',
            detail: `${stats.state}: ${stats.processed} processed, ${stats.inFlight} in flight`,
          };
        },
      };
    },
  };
}
