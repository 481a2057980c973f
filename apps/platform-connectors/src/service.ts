/**
 * platform-connectors as a value: every dependency (datastore, kube client, logger, config) is
 * injected, so tests and the all-in-one stack start it in-process and `main.ts` is only wiring.
 */
import type { KubeClient } from '@nvsentinel/k8s';
import {
  createMetricsRegistry,
  moduleLogger,
  type Logger,
  type ReadinessResult,
  type Registry,
} from '@nvsentinel/service-kit';
import type { DataStore } from '@nvsentinel/store-client';
import { IngestPipeline } from './ingest/ingest-pipeline.js';
import { createConnectorMetrics, type ConnectorMetrics } from './metrics.js';
import { KubernetesMirror, type KubernetesMirrorOptions } from './mirror/kubernetes-mirror.js';
import { CoalescingWriter, type CoalescingWriterOptions } from './persistence/coalescing-writer.js';
import { buildTransformers, type PipelineStep } from './transformers/build-transformers.js';
import type { HealthEventTransformer } from './transformers/transformer.js';
import { GrpcIngestServer } from './transport/grpc-server.js';
import { HttpIngestServer } from './transport/http-server.js';

export const DEFAULT_SOCKET = 'unix:///var/run/nvsentinel.sock';
export const DEFAULT_HTTP_PORT = 8080;

export interface PlatformConnectorsConfig {
  /** gRPC unix socket address; `null` disables gRPC. Default `unix:///var/run/nvsentinel.sock`. */
  socket?: string | null;
  /** HTTP ingest port; `null` disables HTTP; 0 picks a free port. Default 8080. */
  httpPort?: number | null;
  httpHost?: string;
  /** Transformers in order (upstream's `pipeline`). Default none. */
  pipeline?: readonly PipelineStep[];
  /** Coalescing writer tuning (batch size, queue bound, concurrency, outage probe). */
  writer?: Omit<CoalescingWriterOptions, 'store' | 'ping' | 'observer'>;
  /** Kubernetes mirror tuning; `enabled: false` stores without mirroring. Needs `kube`. */
  mirror?: Omit<KubernetesMirrorOptions, 'client' | 'metrics' | 'logger'> & { enabled?: boolean };
}

export interface PlatformConnectorsDeps {
  datastore: DataStore;
  /** API server client for the mirror and the metadata augmentor; absent = no Kubernetes work. */
  kube?: KubeClient;
  logger: Logger;
  config?: PlatformConnectorsConfig;
  /** Metrics registry (service-kit's server registry in production); default a fresh one. */
  registry?: Registry;
}

export interface StartedAddresses {
  /** Filesystem path of the gRPC socket, when enabled. */
  socketPath?: string;
  /** `http://host:port` of the HTTP ingest server, when enabled. */
  httpUrl?: string;
}

export interface PlatformConnectors {
  readonly registry: Registry;
  readonly metrics: ConnectorMetrics;
  readonly pipeline: IngestPipeline;
  readonly writer: CoalescingWriter;
  readonly mirror: KubernetesMirror | undefined;
  readonly http: HttpIngestServer | undefined;
  start(): Promise<StartedAddresses>;
  /** Stops the listeners, stores what was accepted, drains the mirror (bounded), closes transformers. */
  stop(): Promise<void>;
  /** For `/readyz`: false while the datastore refuses writes or does not answer a ping. */
  readiness(): Promise<ReadinessResult>;
}

export function createPlatformConnectors(deps: PlatformConnectorsDeps): PlatformConnectors {
  const config = deps.config ?? {};
  const logger = moduleLogger(deps.logger, 'platform-connectors');
  const registry = deps.registry ?? createMetricsRegistry();
  const metrics = createConnectorMetrics(registry);
  const store = deps.datastore.healthEventStore();

  metrics.datastoreAvailable.set(1);
  const writer = new CoalescingWriter({
    maxConcurrentInserts: deps.datastore.capabilities.concurrentConnections ? 2 : 1,
    ...config.writer,
    store,
    ping: () => deps.datastore.ping(),
    observer: {
      onInsert(events, requests, seconds) {
        metrics.storeInserts.inc();
        metrics.storeInsertedEvents.inc(events);
        metrics.storeCoalescedRequests.inc(requests);
        metrics.storeInsertDuration.observe(seconds);
      },
      onInsertFailed(err, events) {
        metrics.storeInsertFailures.inc();
        logger.warn({ err, events }, 'insert failed; the callers were told to resend');
      },
      onAvailabilityChange(available, err) {
        metrics.datastoreAvailable.set(available ? 1 : 0);
        if (available) logger.info('datastore reachable again; accepting events');
        else logger.error({ err }, 'datastore unreachable; refusing events with UNAVAILABLE/503 until it answers');
      },
      onQueueDepth: (events) => metrics.storeQueueEvents.set(events),
      onRollbackFailed(err, ids) {
        logger.error(
          { err, ids },
          'a refused batch was partly stored and could not be undone; delete these events by id',
        );
      },
    },
  });

  const mirrorEnabled = deps.kube !== undefined && config.mirror?.enabled !== false;
  const mirror = mirrorEnabled
    ? new KubernetesMirror({
        ...config.mirror,
        client: deps.kube!,
        metrics,
        logger: moduleLogger(deps.logger, 'k8s-mirror'),
      })
    : undefined;

  const transformers: HealthEventTransformer[] = buildTransformers(config.pipeline ?? [], {
    kube: deps.kube,
    metrics,
    logger: moduleLogger(deps.logger, 'transformers'),
  });
  const pipeline = new IngestPipeline({ writer, transformers, mirror, metrics, logger });

  const grpc =
    config.socket === null
      ? undefined
      : new GrpcIngestServer({
          socket: config.socket ?? DEFAULT_SOCKET,
          pipeline,
          logger: moduleLogger(deps.logger, 'grpc'),
        });
  const http =
    config.httpPort === null
      ? undefined
      : new HttpIngestServer({
          pipeline,
          reader: store,
          maintenanceReader: deps.datastore.maintenanceEventStore(),
          logger: moduleLogger(deps.logger, 'http-ingest'),
          port: config.httpPort ?? DEFAULT_HTTP_PORT,
          ...(config.httpHost ? { host: config.httpHost } : {}),
        });

  let stopping: Promise<void> | undefined;

  return {
    registry,
    metrics,
    pipeline,
    writer,
    mirror,
    http,
    async start() {
      mirror?.start();
      const addresses: StartedAddresses = {};
      if (grpc) {
        await grpc.start();
        addresses.socketPath = grpc.path;
      }
      if (http) addresses.httpUrl = await http.listen();
      logger.info(
        { ...addresses, transformers: transformers.map((t) => t.name), mirror: mirrorEnabled },
        'platform-connectors started',
      );
      return addresses;
    },
    stop() {
      stopping ??= (async () => {
        // Listeners first so no new batch arrives, then finish what was accepted.
        await Promise.all([grpc?.stop(), http?.close()]);
        await writer.close();
        await mirror?.stop();
        for (const transformer of transformers) transformer.close?.();
        logger.info('platform-connectors stopped');
      })();
      return stopping;
    },
    async readiness() {
      // The writer only learns of an outage from traffic; the ping covers quiet periods.
      let error =
        writer.state === 'available' ? undefined : ((writer.lastError as Error | undefined)?.message ?? writer.state);
      if (error === undefined) {
        try {
          await deps.datastore.ping();
        } catch (err) {
          error = err instanceof Error ? err.message : String(err);
        }
      }
      return error === undefined
        ? { ok: true }
        : { ok: false, detail: { datastore: writer.state === 'available' ? 'unreachable' : writer.state, error } };
    },
  };
}
