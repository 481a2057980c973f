/**
 * fault-quarantine as a value: everything it needs is injected (datastore, kube client, logger,
 * config), so main.ts, the local all-in-one stack and tests start it the same way.
 */
import { ConfigMapOps, decideStart, type KubeClient, NodeCache, NodeOps } from '@nvsentinel/k8s';
import { type Consumer, type Logger, type Registry, createMetricsRegistry, runConsumer } from '@nvsentinel/service-kit';
import { scanAsChanges, type ChangeEvent, type ChangeStream, type DataStore } from '@nvsentinel/store-client';
import { BreakerConfigMap } from './breaker/breaker-configmap.js';
import { CircuitBreaker } from './breaker/circuit-breaker.js';
import type { FaultQuarantineConfig } from './config/config-types.js';
import { ManualInterventionWatcher } from './manual/manual-intervention.js';
import { type FaultQuarantineMetrics, createMetrics } from './metrics.js';
import { CLIENT_NAME, nodeNameOf, processableInsertsPipeline, unhandledEventsFilter } from './pipeline.js';
import { type HandleOutcome, QuarantineEventHandler } from './quarantine/event-handler.js';
import { NodeView } from './quarantine/node-view.js';
import { RuleEngine } from './rules/rule-engine.js';

export interface FaultQuarantineOptions {
  /** Namespace of the circuit-breaker and resume-control ConfigMaps (POD_NAMESPACE). */
  namespace: string;
  /** Log and write back decisions without changing anything in the cluster. */
  dryRun?: boolean;
  circuitBreakerEnabled?: boolean;
  /** Scopes the node cache and the breaker's node count; default `nvidia.com/gpu.present=true`. */
  gpuNodeLabel?: string;
  /** Nodes handled in parallel (events of one node stay in order); default 16. */
  workers?: number;
  /** Events pulled but not finished before pulling pauses; default 1000. */
  maxInFlight?: number;
  /** Minimum time between checkpoint writes; default 0. */
  checkpointIntervalMs?: number;
  /** Backlog gauge refresh; default 30 s, 0 disables. */
  backlogRefreshMs?: number;
  /**
   * At start, events stored this recently that no fault-quarantine ever handled (no quarantine
   * status) are handled before the stream: events accepted before this consumer's first start
   * or while it was crash-looping. Default 24 h; 0 disables the scan.
   */
  coldStartWindowMs?: number;
}

const DEFAULT_COLD_START_WINDOW_MS = 24 * 60 * 60_000;

export interface FaultQuarantineDeps {
  dataStore: DataStore;
  kube: KubeClient;
  logger: Logger;
  config: FaultQuarantineConfig;
  options: FaultQuarantineOptions;
  /** Where metrics are registered; default a private registry. */
  registry?: Registry;
  /** Called for every handled event (tests, the local stack's tracing). */
  onOutcome?: (change: ChangeEvent, outcome: HandleOutcome) => void;
}

export interface FaultQuarantine {
  start(): Promise<void>;
  /** Stops pulling, waits for running handlers, saves the checkpoint. Idempotent. */
  stop(): Promise<void>;
  /** Available after start(); settles when the consumer stops (rejects if the stream broke). */
  readonly consumer: Consumer | undefined;
  readonly breaker: CircuitBreaker | undefined;
  readonly metrics: FaultQuarantineMetrics;
  readonly registry: Registry;
  /** Runs the manual uncordon/untaint clean-ups still in progress to completion. */
  idle(): Promise<void>;
}

export const DEFAULT_GPU_NODE_LABEL = 'nvidia.com/gpu.present=true';

export function createFaultQuarantine(deps: FaultQuarantineDeps): FaultQuarantine {
  const { dataStore, kube, config } = deps;
  const options = deps.options;
  const dryRun = options.dryRun ?? false;
  const logger = deps.logger.child({ module: 'fault-quarantine' });
  // Compiling first makes an invalid rule file fail before anything connects.
  const engine = RuleEngine.compile(config.ruleSets);
  const registry = deps.registry ?? createMetricsRegistry({ defaultMetrics: false });
  const metrics = createMetrics(registry);
  const nodeOps = new NodeOps(kube);
  const configMaps = new ConfigMapOps(kube);
  const store = dataStore.healthEventStore();

  let cache: NodeCache | undefined;
  let view: NodeView | undefined;
  let breaker: CircuitBreaker | undefined;
  let manual: ManualInterventionWatcher | undefined;
  let consumer: Consumer | undefined;
  let unsubscribe: (() => void) | undefined;
  let backlogTimer: NodeJS.Timeout | undefined;
  const pendingWrites = new Set<Promise<unknown>>();
  let stopped = false;

  const track = (promise: Promise<unknown>, what: string): void => {
    const p = promise
      .catch((err: unknown) => logger.error({ err }, `${what} failed`))
      .finally(() => pendingWrites.delete(p));
    pendingWrites.add(p);
  };

  async function start(): Promise<void> {
    logger.info(
      { ruleSets: engine.ruleSetNames, dryRun, breaker: options.circuitBreakerEnabled ?? true },
      'starting fault-quarantine',
    );
    cache = new NodeCache(kube, {
      labelSelector: options.gpuNodeLabel ?? DEFAULT_GPU_NODE_LABEL,
      onError: (err, restartInMs) => logger.warn({ err, restartInMs }, 'node watch failed; restarting'),
    }).start();
    await cache.waitForSync();
    view = new NodeView(cache, (node, quarantined) => {
      if (quarantined) metrics.currentQuarantinedNodes.set({ node }, 1);
      else metrics.currentQuarantinedNodes.remove({ node });
    });

    const breakerStore = new BreakerConfigMap(configMaps, options.namespace, dryRun);
    const breakerState = await breakerStore.load();
    if (options.circuitBreakerEnabled ?? true) {
      const nodes = view;
      breaker = new CircuitBreaker({
        ...config.circuitBreaker,
        totalNodes: () => nodes.count(),
        quarantinedNodes: () => nodes.quarantinedNodes(),
        onTrip: () => {
          setBreakerGauge('TRIPPED');
          track(breakerStore.saveStatus('TRIPPED'), 'persisting the TRIPPED breaker state');
        },
      });
      breaker.restore(breakerState.status);
      setBreakerGauge(breakerState.status);
      if (breakerState.status === 'TRIPPED') {
        logger.error(
          `circuit breaker is TRIPPED (ConfigMap ${options.namespace}/circuit-breaker): no new quarantines until it is deleted and fault-quarantine restarted`,
        );
      }
    }

    const remember = view.remember.bind(view);
    manual = new ManualInterventionWatcher({
      nodeOps,
      store,
      labelPrefix: config.labelPrefix,
      metrics,
      logger,
      remember,
    });
    if (!dryRun) {
      const watcher = manual;
      unsubscribe = cache.onChange((change) => watcher.onNodeChange(change));
      // Manual actions taken while FQ was down show on the initial list.
      for (const node of cache.list()) watcher.onNodeChange({ type: 'add', object: node });
    }

    const handler = new QuarantineEventHandler({
      config,
      engine,
      nodes: view,
      nodeOps: new NodeOps(kube, { readFrom: view }),
      store,
      breaker,
      namespace: options.namespace,
      dryRun,
      metrics,
      logger,
    });
    const { stream, fresh } = await openStream(breakerState.cursor === 'CREATE', breakerStore);
    if (stopped) return void (await stream.close());
    const windowMs = options.coldStartWindowMs ?? DEFAULT_COLD_START_WINDOW_MS;
    consumer = runConsumer(stream, {
      // Positioned first (openStream waited for it), scanned second: whatever commits after the
      // stream's start arrives through the stream, whatever came before through the scan.
      ...(fresh || windowMs <= 0
        ? {}
        : { coldStart: () => scanAsChanges(store, unhandledEventsFilter(new Date(Date.now() - windowMs)), 500) }),
      name: CLIENT_NAME,
      logger,
      registry,
      concurrency: options.workers ?? 16,
      maxInFlight: options.maxInFlight ?? 1000,
      checkpointIntervalMs: options.checkpointIntervalMs ?? 0,
      partitionKey: nodeNameOf,
      // A failed event stays unfinished (the checkpoint never passes it), so a restart
      // retries it instead of silently losing a quarantine as upstream does.
      markProcessedOnError: false,
      handle: async (change) => {
        const outcome = await handler.handle(change);
        deps.onOutcome?.(change, outcome);
      },
    });
    startBacklogGauge(stream);
  }

  async function openStream(
    breakerCursorCreate: boolean,
    breakerStore: BreakerConfigMap,
  ): Promise<{ stream: ChangeStream; fresh: boolean }> {
    // Two operator switches ask for a fresh start that skips the backlog: the breaker
    // ConfigMap's cursor=CREATE (upstream FQ) and the shared resume-control ConfigMap.
    const decision = await decideStart(configMaps, options.namespace, CLIENT_NAME, { readOnly: dryRun });
    const fresh = breakerCursorCreate || decision.startAt === 'now';
    if (fresh)
      logger.warn(
        { breakerCursor: breakerCursorCreate, resumeControl: decision.startAt },
        'fresh start requested: skipping the event backlog',
      );
    const stream = store.watch({
      clientName: CLIENT_NAME,
      pipeline: processableInsertsPipeline,
      startAt: fresh ? 'now' : 'resume',
    });
    // Started means positioned: from here on no insert can fall before the stream's start.
    await stream.started?.();
    if (fresh) {
      // Only once the new position is taken may the request be marked done.
      await decision.confirm();
      if (breakerCursorCreate) await breakerStore.resetCursor();
    }
    return { stream, fresh };
  }

  function startBacklogGauge(stream: ChangeStream): void {
    const every = options.backlogRefreshMs ?? 30_000;
    if (every <= 0) return;
    const refresh = () =>
      void stream.backlog().then(
        (n) => metrics.eventBacklog.set(n),
        () => metrics.eventBacklog.set(-1),
      );
    backlogTimer = setInterval(refresh, every);
    backlogTimer.unref();
    refresh();
  }

  function setBreakerGauge(status: 'CLOSED' | 'TRIPPED'): void {
    metrics.breakerState.set({ state: 'CLOSED' }, status === 'CLOSED' ? 1 : 0);
    metrics.breakerState.set({ state: 'TRIPPED' }, status === 'TRIPPED' ? 1 : 0);
  }

  async function stop(): Promise<void> {
    if (stopped) return;
    stopped = true;
    if (backlogTimer) clearInterval(backlogTimer);
    unsubscribe?.();
    try {
      await consumer?.stop();
    } finally {
      await manual?.idle();
      await Promise.all(pendingWrites);
      view?.close();
      await cache?.stop();
    }
  }

  return {
    start,
    stop,
    get consumer() {
      return consumer;
    },
    get breaker() {
      return breaker;
    },
    metrics,
    registry,
    idle: async () => {
      await manual?.idle();
    },
  };
}
