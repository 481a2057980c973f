/**
 * node-drainer process: reads flags/env and the TOML file, opens the datastore and the Kubernetes
 * client, and runs the drainer until SIGTERM.
 */
import { existsSync, readFileSync } from 'node:fs';
import { ConfigMapOps, createKubeClient, type KubeClient } from '@nvsentinel/k8s';
import { CONFIG_ERROR_EXIT_CODE, consumerReadinessCheck, counter, createLogger, createService, createServiceServer, loadConfigOrExit } from '@nvsentinel/service-kit';
import { createDataStore, loadDatastoreConfig } from '@nvsentinel/store-client';
import { parseDrainerConfig } from './config/drainer-config.js';
import { settingsSchema } from './config/settings.js';
import { CLIENT_NAME } from './stream/pipeline.js';
import { createNodeDrainer } from './service.js';
import { decideStart, type StartDecision } from '@nvsentinel/k8s';

const settings = loadConfigOrExit(settingsSchema, { program: CLIENT_NAME });
const logger = createLogger({ name: CLIENT_NAME });
const config = loadDrainerConfigOrExit(settings.configPath);
const server = createServiceServer({ name: CLIENT_NAME, port: settings.metricsPort, logger });
const service = createService({ name: CLIENT_NAME, logger, server });

const datastore = await createDataStore(loadDatastoreConfig(process.env));
service.onShutdown(() => datastore.close(), { name: 'datastore' });
server.addReadinessCheck('datastore', async () => ({ ok: await datastore.ping().then(() => true, () => false) }));

// Our addition to upstream's metrics: the API budget is what bounds drain throughput, so show its use.
const kubeRequests = counter(server.registry, {
  name: 'node_drainer_kube_requests_total',
  help: 'Kubernetes API requests sent, by verb, resource and HTTP status',
  labelNames: ['verb', 'resource', 'code'],
});
const kube = createKubeClient({
  metrics: { onRequest: (r) => kubeRequests.inc({ verb: r.verb, resource: r.resource, code: String(r.statusCode ?? 'none') }) },
  ...(settings.kubeconfigPath ? { kubeconfigPath: settings.kubeconfigPath } : { inCluster: true }),
  qps: settings.qps,
  burst: settings.burst,
  userAgent: `nvsentinel-${CLIENT_NAME}`,
});

const start = await startDecision(kube);
const drainer = createNodeDrainer({
  datastore,
  kube,
  logger,
  config,
  registry: server.registry,
  options: {
    workers: settings.workers,
    dryRun: settings.dryRun,
    retryBaseMs: settings.retryBase,
    retryMaxMs: settings.retryMax,
    coldStartBatchSize: settings.coldStartBatchSize,
    podWatch: settings.podWatch,
    startAt: start.startAt,
    ...(start.coldStartCreatedAfter ? { coldStartCreatedAfter: start.coldStartCreatedAfter } : {}),
    timing: {
      pollIntervalMs: settings.pollInterval,
      verifyIntervalMs: settings.verifyInterval,
      blockedBackoffBaseMs: settings.retryBase,
      blockedBackoffMaxMs: settings.retryMax,
    },
  },
});
await drainer.start();
await start.confirm();
const consumer = drainer.consumer();
if (consumer) server.addReadinessCheck('change-stream', consumerReadinessCheck(consumer));
service.onShutdown(() => drainer.stop(), { name: 'drainer' });
drainer.done.catch((err: unknown) => service.shutdown(err instanceof Error ? err : new Error(String(err))));
logger.info({ dryRun: settings.dryRun, workers: settings.workers, qps: settings.qps, podWatch: settings.podWatch }, 'node-drainer started');
await service.start();

async function startDecision(client: KubeClient): Promise<StartDecision> {
  const fresh: StartDecision = { startAt: 'now', confirm: async () => undefined };
  if (settings.startFresh) return fresh;
  if (!settings.resumeControl) return { startAt: 'resume', confirm: async () => undefined };
  const serviceAccountNamespace = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';
  const namespace = settings.podNamespace ?? (existsSync(serviceAccountNamespace) ? readFileSync(serviceAccountNamespace, 'utf8').trim() : 'nvsentinel');
  try {
    return await decideStart(new ConfigMapOps(client), namespace, CLIENT_NAME);
  } catch (err) {
    // Without the ConfigMap the safe choice is upstream's default: resume where we stopped.
    logger.warn({ err, namespace }, 'resume-control ConfigMap unavailable; resuming from the stored position (check RBAC for configmaps)');
    return { startAt: 'resume', confirm: async () => undefined };
  }
}

/** A bad or missing config file is an operator error: say what to fix and exit like a bad flag. */
function loadDrainerConfigOrExit(path: string): ReturnType<typeof parseDrainerConfig> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    process.stderr.write(`${CLIENT_NAME}: cannot read the configuration file ${path} (${(err as Error).message}); mount it or pass --config-path\n`);
    return process.exit(CONFIG_ERROR_EXIT_CODE);
  }
  try {
    return parseDrainerConfig(text, path);
  } catch (err) {
    process.stderr.write(`${CLIENT_NAME}: ${(err as Error).message}\n`);
    return process.exit(CONFIG_ERROR_EXIT_CODE);
  }
}
