#!/usr/bin/env node
/**
 * Entry point: flags/env → datastore, kube client, config file → createPlatformConnectors, with
 * /healthz /readyz /metrics on the metrics port and graceful shutdown on SIGTERM/SIGINT.
 */
import { createKubeClient, type KubeClient } from '@nvsentinel/k8s';
import { CONFIG_ERROR_EXIT_CODE, createLogger, createService, createServiceServer, loadConfigOrExit } from '@nvsentinel/service-kit';
import { createDataStore, loadDatastoreConfig } from '@nvsentinel/store-client';
import { loadConnectorConfig, type ConnectorConfig } from './config/connector-config.js';
import { settingsSchema } from './config/settings.js';
import { createPlatformConnectors } from './service.js';

const NAME = 'platform-connectors';
const settings = loadConfigOrExit(settingsSchema, { program: NAME });
const logger = createLogger({ name: NAME });

/** Start-up failures (bad config file, unreachable datastore) end the process with one clear line. */
function fatal(what: string, err: unknown, code: number): never {
  logger.fatal({ err }, `${what}: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(code);
}

let connectorConfig: ConnectorConfig;
try {
  connectorConfig = loadConnectorConfig(settings.config);
} catch (err) {
  fatal('cannot load the connector configuration', err, CONFIG_ERROR_EXIT_CODE);
}

const server = createServiceServer({ name: NAME, port: settings.metricsPort, logger });
const service = createService({ name: NAME, logger, server });

const datastore = await createDataStore(loadDatastoreConfig(process.env)).catch((err: unknown) => fatal('cannot open the datastore', err, 1));
service.onShutdown(() => datastore.close(), { name: 'datastore' });

let kube: KubeClient | undefined;
if (settings.kubernetes && connectorConfig.k8sEnabled) {
  kube = createKubeClient({
    ...(settings.kubeconfig ? { kubeconfigPath: settings.kubeconfig } : { inCluster: true }),
    ...(connectorConfig.qps !== undefined ? { qps: connectorConfig.qps } : {}),
    ...(connectorConfig.burst !== undefined ? { burst: connectorConfig.burst } : {}),
    userAgent: 'nvsentinel-platform-connectors',
  });
}

const connectors = createPlatformConnectors({
  datastore,
  ...(kube ? { kube } : {}),
  logger,
  registry: server.registry,
  config: {
    socket: settings.grpcEnabled ? settings.socket : null,
    httpPort: settings.httpEnabled ? settings.httpPort : null,
    httpHost: settings.httpHost,
    pipeline: connectorConfig.pipeline,
    writer: {
      maxBatchEvents: settings.maxBatchEvents,
      maxQueuedEvents: settings.maxQueuedEvents,
      maxConcurrentInserts: datastore.capabilities.concurrentConnections ? settings.maxConcurrentInserts : 1,
      probeIntervalMs: settings.outageProbeInterval,
    },
    mirror: {
      enabled: kube !== undefined,
      workers: settings.mirrorWorkers,
      maxPendingEvents: settings.mirrorMaxPendingEvents,
      ...(connectorConfig.maxConditionMessageBytes ? { maxConditionMessageBytes: connectorConfig.maxConditionMessageBytes } : {}),
      ...(connectorConfig.compactedEntryBytes ? { compactedEntryBytes: connectorConfig.compactedEntryBytes } : {}),
    },
  },
});
server.addReadinessCheck('datastore', () => connectors.readiness());
// Registered after the datastore, so it stops first: listeners close, accepted batches are stored.
service.onShutdown(() => connectors.stop(), { name: 'platform-connectors', timeoutMs: 8000 });

await connectors.start();
await service.start();
