/**
 * platform-connectors as a service definition: its settings, its dependencies and how an
 * instance is made. `main.ts` hands this to service-kit's `runServiceMain`; the local stack and
 * the tests start it through `launchService` the same way.
 */
import { defineService } from '@nvsentinel/service-kit';
import { loadConnectorConfig } from './config/connector-config.js';
import { settingsSchema } from './config/settings.js';
import { createPlatformConnectors, type PlatformConnectors, type StartedAddresses } from './service.js';

export const PLATFORM_CONNECTORS = 'platform-connectors';

/** In-process observation (tests, the local stack): `launchService(…, { hooks })`. */
export interface PlatformConnectorsHooks {
  /** Where the ingest listens, once it does (ports may have been 0). */
  onListening?(addresses: StartedAddresses): void;
}

export const platformConnectorsService = defineService({
  name: PLATFORM_CONNECTORS,
  description:
    'platform-connectors: stores the health events monitors send over gRPC (unix socket) and HTTP, and mirrors them to Kubernetes.',
  settings: settingsSchema,
  needs: { datastore: true, kube: (settings) => settings.kubernetes },
  create(ctx) {
    const { settings, datastore, logger, registry } = ctx;
    const connectorConfig = loadConnectorConfig(settings.config);
    const kube =
      settings.kubernetes && connectorConfig.k8sEnabled
        ? ctx.createKubeClient({
            ...(connectorConfig.qps !== undefined ? { qps: connectorConfig.qps } : {}),
            ...(connectorConfig.burst !== undefined ? { burst: connectorConfig.burst } : {}),
          })
        : undefined;
    const connectors: PlatformConnectors = createPlatformConnectors({
      datastore,
      ...(kube ? { kube } : {}),
      logger,
      registry,
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
          ...(connectorConfig.maxConditionMessageBytes
            ? { maxConditionMessageBytes: connectorConfig.maxConditionMessageBytes }
            : {}),
          ...(connectorConfig.compactedEntryBytes ? { compactedEntryBytes: connectorConfig.compactedEntryBytes } : {}),
        },
      },
    });
    return {
      async start() {
        const addresses = await connectors.start();
        logger.info(addresses, 'accepting health events');
        (ctx.hooks as PlatformConnectorsHooks).onListening?.(addresses);
      },
      // Listeners close first, then every accepted batch is stored.
      stop: () => connectors.stop(),
      // Readiness is the ingest's own view of the datastore (outage = refusing with 503).
      readinessChecks: () => ({ ingest: () => connectors.readiness() }),
    };
  },
});
