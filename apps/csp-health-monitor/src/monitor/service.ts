/**
 * csp-health-monitor as a value: polls the enabled CSP every interval and keeps the
 * MaintenanceEventStore current. The checkpoint (end of the last fully successful poll) only
 * advances when fetching, normalising and storing all succeeded, so an API or datastore outage
 * during a poll makes the next poll read the same window again (upserts by eventId are idempotent).
 * At start the checkpoint is the newest stored `eventReceivedTimestamp` for this cluster and CSP.
 */
import { NodeCache, type KubeClient } from '@nvsentinel/k8s';
import { createMetricsRegistry, moduleLogger, type Logger, type Registry } from '@nvsentinel/service-kit';
import type { DataStore } from '@nvsentinel/store-client';
import type { CspConfig } from '../config/csp-config.js';
import { AwsHealthCspClient, type AwsClientOptions } from '../csp/aws/client.js';
import { GcpLoggingCspClient, type GcpClientOptions } from '../csp/gcp/client.js';
import { CachedNodeMapper } from '../csp/node-mapper.js';
import { SimCspClient } from '../csp/sim/client.js';
import { errorType, type CspClient, type CspContext } from '../csp/types.js';
import { processEvents, type ProcessResult } from '../events/processor.js';
import { createMonitorMetrics, type MonitorMetrics } from '../metrics.js';

export interface CspHealthMonitorDeps {
  datastore: DataStore;
  kube: KubeClient;
  logger: Logger;
  registry?: Registry;
  namespace: string;
  config: CspConfig;
  options?: {
    aws?: AwsClientOptions;
    gcp?: GcpClientOptions;
    /** Overrides the CSP's polling interval (tests). */
    pollIntervalMs?: number;
  };
  now?: () => Date;
}

export interface PollReport extends ProcessResult {
  events: number;
  from: Date;
  to: Date;
}

export interface CspHealthMonitor {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly done: Promise<void>;
  readinessChecks(): Record<string, () => Promise<{ ok: boolean; detail?: string }>>;
  /** Runs one poll now (tests, benchmarks); polls never overlap. */
  pollOnce(): Promise<PollReport>;
  readonly metrics: MonitorMetrics;
  readonly registry: Registry;
  /** End of the last fully successful poll (undefined before the first). */
  checkpoint(): Date | undefined;
}

export function createCspHealthMonitor(deps: CspHealthMonitorDeps): CspHealthMonitor {
  const logger = moduleLogger(deps.logger, 'csp-health-monitor');
  const registry = deps.registry ?? createMetricsRegistry({ defaultMetrics: false });
  const metrics = createMonitorMetrics(registry);
  const now = deps.now ?? (() => new Date());
  const store = deps.datastore.maintenanceEventStore();
  const nodeCache = new NodeCache(deps.kube, {
    onError: (err, restartInMs) => logger.warn({ err, restartInMs }, 'node watch failed; restarting'),
  });
  const mapper = new CachedNodeMapper(nodeCache);
  const client = buildClient(deps);
  const interval = deps.options?.pollIntervalMs ?? client?.pollIntervalMs ?? 60_000;
  const ctx: CspContext = { store, nodes: mapper, metrics, logger, now };
  // The embedded engine has one connection: concurrent writes would only queue.
  const concurrency = deps.datastore.capabilities.concurrentConnections ? 8 : 1;

  let checkpoint: Date | undefined;
  let lastPollOk: boolean | undefined;
  let lastError = '';
  let running: Promise<PollReport> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let started = false;
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));

  async function pollNow(): Promise<PollReport> {
    if (!client) throw new Error('no CSP is enabled in the configuration');
    const csp = client.name;
    const stopTimer = metrics.cspPollingDuration.startTimer({ csp });
    try {
      if (checkpoint === undefined) {
        const stored = await store.getLastProcessedEventTimestampByCSP(deps.config.clusterName, csp);
        checkpoint = stored ?? client.initialFrom(now());
      }
      const window = { from: checkpoint, to: now() };
      mapper.refresh();
      const events = await client.poll(window, ctx);
      const result = await processEvents(
        { store, clusterName: deps.config.clusterName, metrics, logger, now, concurrency },
        events,
      );
      checkpoint = window.to;
      lastPollOk = true;
      lastError = '';
      logger.debug({ csp, from: window.from, to: window.to, events: events.length, ...result }, 'poll done');
      return { ...result, events: events.length, ...window };
    } catch (err) {
      lastPollOk = false;
      lastError = (err as Error).message;
      metrics.cspMonitorErrors.inc({ csp, error_type: errorType(err) });
      logger.error({ err, csp, checkpoint }, 'poll failed; the same window is read again at the next poll');
      throw err;
    } finally {
      stopTimer();
    }
  }

  function pollOnce(): Promise<PollReport> {
    const run = (running ?? Promise.resolve()).catch(() => undefined).then(pollNow);
    running = run;
    void run
      .finally(() => {
        if (running === run) running = undefined;
      })
      .catch(() => undefined);
    return run;
  }

  function schedule(delayMs: number): void {
    if (stopped) return;
    timer = setTimeout(() => {
      void pollOnce()
        .catch(() => undefined)
        .finally(() => schedule(interval));
    }, delayMs);
  }

  return {
    metrics,
    registry,
    checkpoint: () => checkpoint,
    pollOnce,
    done,
    async start() {
      if (started) return;
      started = true;
      nodeCache.start();
      await nodeCache.waitForSync();
      if (!client) {
        logger.warn('no CSP is enabled ([gcp], [aws] or [sim] enabled = true); the monitor idles');
        return;
      }
      logger.info({ csp: client.name, intervalMs: interval }, 'polling the CSP for maintenance events');
      // The first poll runs before start resolves (a failure is logged and retried at the interval).
      await pollOnce().catch(() => undefined);
      schedule(interval);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (timer) clearTimeout(timer);
      await running?.catch(() => undefined);
      await nodeCache.stop();
      await client?.close?.();
      resolveDone();
    },
    readinessChecks() {
      return {
        'node-cache': async () => ({
          ok: nodeCache.synced,
          ...(nodeCache.synced ? {} : { detail: 'node cache not synced' }),
        }),
        'csp-poll': async () =>
          lastPollOk === false ? { ok: false, detail: `last poll failed: ${lastError}` } : { ok: true },
      };
    },
  };
}

function buildClient(deps: CspHealthMonitorDeps): CspClient | undefined {
  switch (deps.config.csp) {
    case 'aws':
      return new AwsHealthCspClient(deps.config.aws, deps.options?.aws);
    case 'gcp':
      return new GcpLoggingCspClient(deps.config.gcp, deps.options?.gcp);
    case 'sim':
      return new SimCspClient(deps.config.sim, deps.kube, deps.namespace);
    default:
      return undefined;
  }
}
