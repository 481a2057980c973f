/**
 * node-drainer as a service definition: its settings, its dependencies and how an instance is
 * made. `main.ts` hands this to service-kit's `runServiceMain`; the local stack and the tests
 * start it through `launchService` the same way.
 */
import { readFileSync } from 'node:fs';
import { ConfigMapOps, decideStart, type KubeClient, type StartDecision } from '@nvsentinel/k8s';
import { ConfigError, consumerReadinessCheck, counter, defineService, type Logger } from '@nvsentinel/service-kit';
import { parseDrainerConfig, type DrainerConfig } from './config/drainer-config.js';
import { settingsSchema } from './config/settings.js';
import { createNodeDrainer } from './service.js';
import { CLIENT_NAME } from './stream/pipeline.js';

export const nodeDrainerService = defineService({
  name: CLIENT_NAME,
  description: 'node-drainer: evicts the pods of quarantined nodes per namespace eviction mode.',
  settings: settingsSchema,
  needs: { datastore: true, kube: true },
  kubeOptions: (settings, registry) => {
    // Our addition to upstream's metrics: the API budget is what bounds drain throughput, so show its use.
    const kubeRequests = counter(registry, {
      name: 'node_drainer_kube_requests_total',
      help: 'Kubernetes API requests sent, by verb, resource and HTTP status',
      labelNames: ['verb', 'resource', 'code'],
    });
    return {
      qps: settings.qps,
      burst: settings.burst,
      metrics: {
        onRequest: (r) =>
          kubeRequests.inc({ verb: r.verb, resource: r.resource, code: String(r.statusCode ?? 'none') }),
      },
    };
  },
  create({ settings, datastore, kube, logger, registry, namespace }) {
    const config = loadDrainerConfig(settings.configPath);
    let decision: StartDecision | undefined;
    let drainer: ReturnType<typeof createNodeDrainer> | undefined;
    const make = (start: StartDecision) =>
      createNodeDrainer({
        datastore,
        kube,
        logger,
        config,
        registry,
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
    return {
      async start() {
        decision = await startDecision(settings, kube, namespace, logger);
        drainer = make(decision);
        await drainer.start();
        await decision.confirm();
        logger.info(
          { dryRun: settings.dryRun, workers: settings.workers, qps: settings.qps, podWatch: settings.podWatch },
          'node-drainer running',
        );
      },
      async stop() {
        await drainer?.stop();
      },
      get done() {
        return drainer?.done;
      },
      readinessChecks: () => ({
        kubernetes: kubernetesReachable(kube),
        'change-stream': () => {
          const consumer = drainer?.consumer();
          return consumer ? consumerReadinessCheck(consumer)() : { ok: false, detail: 'starting' };
        },
      }),
    };
  },
});

/** How long one answer of the Kubernetes check stands: probes come often, API calls cost budget. */
const KUBERNETES_CHECK_CACHE_MS = 5_000;

/**
 * Ready only while the Kubernetes API answers: a drainer that cannot evict must not report ready
 * (issue 19: it did, with the API unreachable). One cheap call it makes anyway (list pods, limit 1)
 * at most every 5 s; any HTTP answer counts as reachable, only a failed connection does not.
 */
function kubernetesReachable(kube: KubeClient): () => Promise<{ ok: boolean; detail?: unknown }> {
  let last: { at: number; result: { ok: boolean; detail?: unknown } } | undefined;
  let running: Promise<{ ok: boolean; detail?: unknown }> | undefined;
  return async () => {
    if (last && Date.now() - last.at < KUBERNETES_CHECK_CACHE_MS) return last.result;
    running ??= kube.core
      .listPodForAllNamespaces({ limit: 1 })
      .then(
        () => ({ ok: true }),
        (err: unknown) =>
          typeof (err as { code?: unknown }).code === 'number'
            ? { ok: true, detail: `answered HTTP ${(err as { code: number }).code}` }
            : { ok: false, detail: `the API server at ${kube.server} is unreachable: ${(err as Error).message}` },
      )
      .then((result) => {
        last = { at: Date.now(), result };
        running = undefined;
        return result;
      });
    return running;
  };
}

/** upstream's resume-control: CREATE = skip the backlog (with a cold-start cut-off). */
async function startDecision(
  settings: { startFresh: boolean; resumeControl: boolean },
  kube: KubeClient,
  namespace: string,
  logger: Logger,
): Promise<StartDecision> {
  if (settings.startFresh) return { startAt: 'now', confirm: async () => undefined };
  if (!settings.resumeControl) return { startAt: 'resume', confirm: async () => undefined };
  try {
    return await decideStart(new ConfigMapOps(kube), namespace, CLIENT_NAME);
  } catch (err) {
    // Without the ConfigMap the safe choice is upstream's default: resume where we stopped.
    logger.warn(
      { err, namespace },
      'resume-control ConfigMap unavailable; resuming from the stored position (check RBAC for configmaps)',
    );
    return { startAt: 'resume', confirm: async () => undefined };
  }
}

/** A bad or missing config file is an operator error: say what to fix (exit code 2). */
function loadDrainerConfig(path: string): DrainerConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([
      {
        source: '--config-path',
        message: `cannot read the configuration file ${path} (${(err as Error).message}); mount it or pass --config-path`,
      },
    ]);
  }
  return parseDrainerConfig(text, path);
}
