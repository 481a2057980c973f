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

const INGEST_SERVICE = 'platform-connectors';

export interface InProcessServicesOptions extends StackServiceOptions {
  datastore: DataStore;
  logger: Logger;
  onQuarantineOutcome?: FaultQuarantineHooks['onOutcome'];
  /**
   * Aborted when the stack is told to stop (SIGTERM/SIGINT), possibly while it is still starting:
   * the ingest closes at once, and a start still in progress gives up.
   */
  signal?: AbortSignal;
}

export interface InProcessServices {
  ingestUrl: string;
  socketPath: string;
  services: ServiceEndpoint[];
  stop(): Promise<void>;
}

export async function startInProcessServices(options: InProcessServicesOptions): Promise<InProcessServices> {
  const { datastore, logger, host } = options;
  const launched: Array<{ name: string; service: LaunchedService; server: ServiceServer }> = [];
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
    // The ingest stops first: from the moment the stack is told to stop, a new event is refused
    // (connection refused, or 503 on an open keep-alive connection) so its sender retries against
    // the next stack, instead of being acknowledged by one whose consumers are already stopping —
    // with the in-memory datastore such an event was acknowledged and never acted on (issue 19's
    // npm-start probe: the previous run's stack, still shutting down, took the next run's event).
    // The consumers then stop in reverse start order, each finishing the event in hand.
    const running = launched.splice(0);
    const ingestFirst = [
      ...running.filter((l) => l.name === INGEST_SERVICE),
      ...running.filter((l) => l.name !== INGEST_SERVICE).reverse(),
    ];
    for (const { service } of ingestFirst) await service.stop();
  };
  const { signal } = options;
  const closeIngest = () => {
    for (const l of launched) if (l.name === INGEST_SERVICE) void l.service.stop();
  };
  signal?.addEventListener('abort', closeIngest, { once: true });
  const aborted = new Promise<void>((resolve) => signal?.addEventListener('abort', () => resolve(), { once: true }));
  const stopRequested = () => new Error('the stack was told to stop while it was starting');
  try {
    for (const spec of stackServices(options)) {
      if (signal?.aborted) throw stopRequested();
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
      launched.push({ name: spec.name, service, server });
      // In its own pod the service would exit and be restarted; here it must at least be loud.
      service.done.catch((err: unknown) =>
        logger.error({ err, service: spec.name }, `${spec.name} stopped: ${(err as Error).message}; restart npm start`),
      );
      if (signal?.aborted) closeIngest();
      // Started means positioned: a consumer's stream is in place before the next service starts.
      await Promise.race([service.started, aborted]);
      if (signal?.aborted) throw stopRequested();
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
