/**
 * maintenance-notifier as a value: every `maintenanceEventPollIntervalSeconds` the trigger
 * engine turns due maintenance events into CSPMaintenance health events sent to
 * platform-connectors. Everything it needs to resume lives in the store, so a restart at any
 * point repeats no trigger (see trigger-engine.ts).
 */
import { ProcessingStrategy } from '@nvsentinel/health-model';
import { NodeCache, type KubeClient } from '@nvsentinel/k8s';
import { createMetricsRegistry, moduleLogger, type Logger, type Registry } from '@nvsentinel/service-kit';
import type { DataStore } from '@nvsentinel/store-client';
import type { CspConfig } from '../config/csp-config.js';
import { createNotifierMetrics, type NotifierMetrics } from '../metrics.js';
import { createGrpcPublisher, type HealthEventPublisher } from './publisher.js';
import { TriggerEngine, type CycleReport } from './trigger-engine.js';

export interface MaintenanceNotifierDeps {
  datastore: DataStore;
  kube: KubeClient;
  logger: Logger;
  registry?: Registry;
  namespace: string;
  config: CspConfig;
  options: {
    /** platform-connectors' socket (`--uds-path`). */
    udsPath: string;
    processingStrategy?: keyof typeof ProcessingStrategy;
    sendRetries?: number;
    sendRetryDelayMs?: number;
    /** Overrides maintenanceEventPollIntervalSeconds (tests). */
    pollIntervalMs?: number;
  };
  now?: () => Date;
}

export interface MaintenanceNotifier {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly done: Promise<void>;
  readinessChecks(): Record<string, () => Promise<{ ok: boolean; detail?: string }>>;
  /** Runs one trigger cycle now (tests); cycles never overlap. */
  cycleOnce(): Promise<CycleReport>;
  readonly metrics: NotifierMetrics;
  readonly registry: Registry;
}

export function createMaintenanceNotifier(deps: MaintenanceNotifierDeps): MaintenanceNotifier {
  const logger = moduleLogger(deps.logger, 'maintenance-notifier');
  const registry = deps.registry ?? createMetricsRegistry({ defaultMetrics: false });
  const metrics = createNotifierMetrics(registry);
  const nodes = new NodeCache(deps.kube, {
    onError: (err, restartInMs) => logger.warn({ err, restartInMs }, 'node watch failed; restarting'),
  });
  const interval = deps.options.pollIntervalMs ?? deps.config.maintenanceEventPollIntervalMs;
  let publisher: HealthEventPublisher | undefined;
  let engine: TriggerEngine | undefined;
  let running: Promise<CycleReport> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let started = false;
  let stopped = false;
  let lastCycleOk: boolean | undefined;
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));

  function cycleOnce(): Promise<CycleReport> {
    if (!engine) return Promise.reject(new Error('maintenance-notifier is not started'));
    const current = engine;
    const run = (running ?? Promise.resolve()).catch(() => undefined).then(() => current.cycle());
    running = run;
    run
      .then(
        () => (lastCycleOk = true),
        () => (lastCycleOk = false),
      )
      .finally(() => {
        if (running === run) running = undefined;
      });
    return run;
  }

  function schedule(delayMs: number): void {
    if (stopped) return;
    timer = setTimeout(() => {
      void cycleOnce()
        .catch(() => undefined)
        .finally(() => schedule(interval));
    }, delayMs);
  }

  return {
    metrics,
    registry,
    done,
    cycleOnce,
    async start() {
      if (started) return;
      started = true;
      nodes.start();
      await nodes.waitForSync();
      publisher = createGrpcPublisher({
        socket: deps.options.udsPath,
        retries: deps.options.sendRetries ?? 5,
        retryDelayMs: deps.options.sendRetryDelayMs ?? 5_000,
        onAttemptFailed: (err, attempt) => {
          metrics.sendErrors.inc();
          logger.warn({ code: err.code, details: err.details, attempt }, 'sending to platform-connectors failed');
        },
      });
      engine = new TriggerEngine({
        maintenance: deps.datastore.maintenanceEventStore(),
        healthEvents: deps.datastore.healthEventStore(),
        nodes,
        publisher,
        config: deps.config,
        processingStrategy: ProcessingStrategy[deps.options.processingStrategy ?? 'EXECUTE_REMEDIATION'],
        metrics,
        logger,
        now: deps.now ?? (() => new Date()),
      });
      logger.info({ intervalMs: interval, socket: deps.options.udsPath }, 'maintenance trigger engine running');
      if (deps.config.shortPollIntervalAllowed && deps.config.maintenanceEventPollIntervalSeconds < 10) {
        // Loud on purpose: a production config that copied the test setting polls the store every second.
        logger.warn(
          { intervalMs: interval },
          'maintenanceEventPollIntervalSeconds is below upstream minimum of 10 s ([testing] allowShortPollInterval); meant for tests and the local stack',
        );
      }
      // The first cycle runs before start resolves (a failure is logged and retried at the interval).
      await cycleOnce().catch(() => undefined);
      schedule(interval);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (timer) clearTimeout(timer);
      engine?.close();
      await running?.catch(() => undefined);
      publisher?.close();
      await nodes.stop();
      resolveDone();
    },
    readinessChecks() {
      return {
        'node-cache': async () => ({ ok: nodes.synced, ...(nodes.synced ? {} : { detail: 'node cache not synced' }) }),
        'trigger-cycle': async () =>
          lastCycleOk === false ? { ok: false, detail: 'last trigger cycle failed' } : { ok: true },
      };
    },
  };
}
