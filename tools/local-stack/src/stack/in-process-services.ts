/**
 * The services started inside this process, each through its own `createXxx(deps)` and each with
 * its own /healthz /readyz /metrics server, sharing one datastore and one Kubernetes API. This is
 * how the embedded datastore runs (it cannot be shared across processes) and how the end-to-end
 * test drives the stack.
 */
import { createFaultQuarantine, type FaultQuarantineDeps } from '@nvsentinel/fault-quarantine';
import { createKubeClient, type KubeClient } from '@nvsentinel/k8s';
import { createNodeDrainer, type NodeDrainerDeps } from '@nvsentinel/node-drainer';
import { createPlatformConnectors } from '@nvsentinel/platform-connectors';
import { consumerReadinessCheck, createServiceServer, type Logger, type ServiceServer } from '@nvsentinel/service-kit';
import type { DataStore } from '@nvsentinel/store-client';
import { NVSENTINEL_NAMESPACE, loadFaultQuarantineConfig, loadNodeDrainerConfig } from './local-config.js';
import type { ServiceEndpoint, StackPorts } from './stack-types.js';

export interface InProcessServicesOptions {
  datastore: DataStore;
  kubeconfig: string;
  socketPath: string;
  ports: StackPorts;
  /** 127.0.0.1 by default: the local stack is not meant to be reachable from the network. */
  host: string;
  logger: Logger;
  drainerOptions?: NodeDrainerDeps['options'];
  nodeDrainerConfigPath?: string;
  onQuarantineOutcome?: FaultQuarantineDeps['onOutcome'];
}

export interface InProcessServices {
  ingestUrl: string;
  socketPath: string;
  services: ServiceEndpoint[];
  stop(): Promise<void>;
}

export async function startInProcessServices(options: InProcessServicesOptions): Promise<InProcessServices> {
  const { datastore, logger, host } = options;
  // One client per service, as in separate pods: each has its own rate limiter and user agent.
  const kube = (name: string): KubeClient => createKubeClient({ kubeconfig: options.kubeconfig, userAgent: `nvsentinel-${name}` });
  const servers: ServiceServer[] = [];
  const stops: Array<() => Promise<void>> = [];
  const services: ServiceEndpoint[] = [];

  const serve = async (name: string, port: number): Promise<ServiceServer> => {
    const server = createServiceServer({ name, port, host, logger });
    servers.push(server);
    return server;
  };

  try {
    const pcServer = await serve('platform-connectors', options.ports.platformConnectorsMetrics);
    const pcKube = kube('platform-connectors');
    const connectors = createPlatformConnectors({
      datastore,
      kube: pcKube,
      logger,
      registry: pcServer.registry,
      config: { socket: `unix://${options.socketPath}`, httpPort: options.ports.ingest, httpHost: host },
    });
    pcServer.addReadinessCheck('datastore', () => connectors.readiness());
    const addresses = await connectors.start();
    stops.push(async () => {
      await connectors.stop();
      pcKube.close();
    });
    services.push({ name: 'platform-connectors', metricsUrl: await listen(pcServer) });

    const fqServer = await serve('fault-quarantine', options.ports.faultQuarantineMetrics);
    const fqKube = kube('fault-quarantine');
    const quarantine = createFaultQuarantine({
      dataStore: datastore,
      kube: fqKube,
      logger,
      config: loadFaultQuarantineConfig(),
      registry: fqServer.registry,
      options: { namespace: NVSENTINEL_NAMESPACE },
      ...(options.onQuarantineOutcome ? { onOutcome: options.onQuarantineOutcome } : {}),
    });
    await quarantine.start();
    stops.push(async () => {
      await quarantine.stop();
      fqKube.close();
    });
    if (quarantine.consumer) {
      fqServer.addReadinessCheck('change-stream', consumerReadinessCheck(quarantine.consumer));
      // In its own pod the service would exit and be restarted; here it must at least be loud.
      quarantine.consumer.done.catch((err: unknown) => logger.error({ err }, 'fault-quarantine stopped: its change stream failed; restart npm start'));
    }
    services.push({ name: 'fault-quarantine', metricsUrl: await listen(fqServer) });

    const ndServer = await serve('node-drainer', options.ports.nodeDrainerMetrics);
    const ndKube = kube('node-drainer');
    const drainer = createNodeDrainer({
      datastore,
      kube: ndKube,
      logger,
      config: loadNodeDrainerConfig(options.nodeDrainerConfigPath),
      registry: ndServer.registry,
      ...(options.drainerOptions ? { options: options.drainerOptions } : {}),
    });
    await drainer.start();
    stops.push(async () => {
      await drainer.stop();
      ndKube.close();
    });
    const drainConsumer = drainer.consumer();
    if (drainConsumer) ndServer.addReadinessCheck('change-stream', consumerReadinessCheck(drainConsumer));
    drainer.done.catch((err: unknown) => logger.error({ err }, 'node-drainer stopped: its change stream failed; restart npm start'));
    services.push({ name: 'node-drainer', metricsUrl: await listen(ndServer) });

    return {
      ingestUrl: addresses.httpUrl ?? '',
      socketPath: addresses.socketPath ?? options.socketPath,
      services,
      stop: () => stopAll(stops, servers),
    };
  } catch (err) {
    await stopAll(stops, servers).catch(() => undefined);
    throw err;
  }
}

async function listen(server: ServiceServer): Promise<string> {
  return (await server.listen()).replace('0.0.0.0', '127.0.0.1');
}

/** Reverse start order: the ingest stops last, so nothing accepted is left unprocessed mid-way. */
async function stopAll(stops: Array<() => Promise<void>>, servers: ServiceServer[]): Promise<void> {
  for (const stop of stops.splice(0).reverse()) await stop();
  await Promise.all(servers.splice(0).map((s) => s.close()));
}
