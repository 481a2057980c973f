/**
 * The services started inside this process, sharing one datastore and one Kubernetes API, each
 * with its own /healthz /readyz /metrics server. Each is started through its definition with
 * service-kit's `launchService` and the same flags it gets as a process, so it runs exactly the
 * code its pod runs. This is how the embedded datastore runs (it lives in one process) and how the
 * end-to-end test observes the stack.
 */
import type { FaultQuarantineHooks } from '@nvsentinel/fault-quarantine';
import type { PlatformConnectorsHooks } from '@nvsentinel/platform-connectors';
import {
  createServiceServer,
  launchService,
  type LaunchedService,
  type Logger,
  type ServiceServer,
} from '@nvsentinel/service-kit';
import type { DataStore } from '@nvsentinel/store-client';
import { NVSENTINEL_NAMESPACE } from './local-config.js';
import { stackServices, type StackServiceOptions } from './service-specs.js';
import type { ServiceEndpoint } from './stack-types.js';

export interface InProcessServicesOptions extends StackServiceOptions {
  datastore: DataStore;
  logger: Logger;
  onQuarantineOutcome?: FaultQuarantineHooks['onOutcome'];
}

export interface InProcessServices {
  ingestUrl: string;
  socketPath: string;
  services: ServiceEndpoint[];
  stop(): Promise<void>;
}

export async function startInProcessServices(options: InProcessServicesOptions): Promise<InProcessServices> {
  const { datastore, logger, host } = options;
  const launched: Array<{ service: LaunchedService; server: ServiceServer }> = [];
  const services: ServiceEndpoint[] = [];
  let ingestUrl = '';
  let socketPath = options.socketPath;
  const hooks: Record<string, FaultQuarantineHooks & PlatformConnectorsHooks> = {
    'platform-connectors': {
      onListening: (addresses) => {
        ingestUrl = addresses.httpUrl ?? '';
        socketPath = addresses.socketPath ?? socketPath;
      },
    },
    'fault-quarantine': options.onQuarantineOutcome ? { onOutcome: options.onQuarantineOutcome } : {},
  };
  const stop = async () => {
    // Reverse start order: the ingest stops last, so nothing accepted is left unprocessed mid-way.
    for (const { service } of launched.splice(0).reverse()) await service.stop();
  };
  try {
    for (const spec of stackServices(options)) {
      const server = createServiceServer({ name: spec.name, port: spec.metricsPort, host, logger });
      const metricsUrl = (await server.listen()).replace('0.0.0.0', '127.0.0.1');
      const service = launchService(spec.definition, {
        argv: spec.args,
        env: process.env,
        logger: logger.child({ service: spec.name }),
        server,
        datastore,
        namespace: NVSENTINEL_NAMESPACE,
        hooks: hooks[spec.name] ?? {},
      });
      launched.push({ service, server });
      // In its own pod the service would exit and be restarted; here it must at least be loud.
      service.done.catch((err: unknown) =>
        logger.error({ err, service: spec.name }, `${spec.name} stopped: ${(err as Error).message}; restart npm start`),
      );
      // Started means positioned: a consumer's stream is in place before the next service starts.
      await service.started;
      services.push({ name: spec.name, metricsUrl });
    }
    return {
      ingestUrl,
      socketPath,
      services,
      stop: async () => {
        const servers = launched.map((l) => l.server);
        await stop();
        await Promise.all(servers.map((s) => s.close()));
      },
    };
  } catch (err) {
    const servers = launched.map((l) => l.server);
    await stop().catch(() => undefined);
    await Promise.all(servers.map((s) => s.close().catch(() => undefined)));
    throw err;
  }
}
