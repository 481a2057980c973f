import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { buildApiServer } from './api/server.js';
import { NodeSimulator, type RebootOptions } from './behaviour/node-simulator.js';
import { Cluster } from './cluster.js';
import { ClusterState } from './cluster-state.js';
import type { SimClock } from './clock.js';
import { buildKubeconfig } from './kubeconfig.js';
import { generateManifests } from './scenario/generate.js';
import { loadScenarioFile, validateScenario, type Scenario } from './scenario/scenario.js';
import { registerSimulationRoutes } from './api/simulation-routes.js';
import { FaultInjector, type FaultRule } from './api/fault-injection.js';
import { ValidatingAdmission, type WebhookServiceResolver } from './admission/validating-webhooks.js';
import { TokenIssuer, registerTokenReviewRoute, type IssueTokenOptions } from './api/token-review.js';
import { RequestLog } from './api/request-log.js';

export interface ClusterSimOptions extends Scenario {
  /** YAML or JSON scenario file; options given here override its keys. */
  scenarioFile?: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** Also write the kubeconfig to this path (directories are created). */
  kubeconfigPath?: string;
  /** Real milliseconds between watch BOOKMARK events (when requested). Default 1000. */
  bookmarkIntervalMs?: number;
  /** Changes kept for watch resume; older resourceVersions get 410 Gone. Default 10000. */
  historySize?: number;
  /** Fastify request logging (pino). Default false. */
  logger?: boolean;
  /**
   * Base URL for a webhook's `clientConfig.service` (tests have no cluster DNS). Default
   * `https://<name>.<namespace>.svc:<port><path>`, which does not resolve outside a cluster.
   */
  webhookServiceResolver?: WebhookServiceResolver;
}

export interface ClusterSim {
  /** Base URL of the API server, e.g. http://127.0.0.1:41234. */
  url: string;
  /** kubeconfig YAML for KubeConfig.loadFromString(). */
  kubeconfig: string;
  kubeconfigPath?: string;
  state: ClusterState;
  clock: SimClock;
  /** Node goes Ready=Unknown now, its non-DaemonSet pods are deleted; resolves when Ready again. */
  rebootNode(name: string, options?: RebootOptions): Promise<void>;
  /** Sets the node's Ready condition (True/False) without touching its pods. */
  setNodeReady(name: string, ready: boolean): void;
  /** Fails the next matching request(s) with a Status error; returns a function that removes the rule. */
  injectFault(rule: FaultRule): () => void;
  /** Ends every open watch stream cleanly, as an API server restart would; clients must re-watch. */
  disconnectWatches(): void;
  /** Drops the change history: every resume from an older resourceVersion now gets 410 Gone. */
  compactHistory(): void;
  /** A service-account token that `POST /apis/authentication.k8s.io/v1/tokenreviews` accepts for its audiences. */
  issueToken(options?: IssueTokenOptions): string;
  /**
   * Every API request (discovery aside) with its User-Agent, RBAC verb, group, resource,
   * namespace and status: what an audit log shows, for checking a service's RBAC against its calls.
   */
  requests: RequestLog;
  /** Stops the server, ends watches and cancels simulated timers. */
  close(): Promise<void>;
}

/**
 * Starts a Kubernetes API emulator on a local port, seeded from the scenario, and returns what a
 * test needs to point @kubernetes/client-node at it.
 *
 * ```ts
 * const sim = await startClusterSim({ nodes: 8, timeScale: 100 });
 * const kc = new KubeConfig(); kc.loadFromString(sim.kubeconfig);
 * const core = kc.makeApiClient(CoreV1Api);
 * ```
 */
export async function startClusterSim(options: ClusterSimOptions = {}): Promise<ClusterSim> {
  const fromFile = options.scenarioFile ? await loadScenarioFile(options.scenarioFile) : {};
  const {
    scenarioFile: _file,
    host,
    port,
    kubeconfigPath,
    bookmarkIntervalMs,
    historySize,
    logger,
    webhookServiceResolver,
    ...inline
  } = options;
  const definedInline = Object.fromEntries(Object.entries(inline).filter(([, value]) => value !== undefined));
  const scenario = validateScenario({ ...fromFile, ...definedInline }, options.scenarioFile ?? 'options');

  const cluster = new Cluster({
    ...(scenario.timeScale !== undefined ? { timeScale: scenario.timeScale } : {}),
    ...(historySize !== undefined ? { historySize } : {}),
  });
  const nodes = new NodeSimulator(cluster);
  try {
    for (const manifest of generateManifests(scenario, cluster.clock.timestamp()))
      cluster.createManifest(manifest, { preserveUid: true });
  } catch (error) {
    cluster.dispose();
    throw new Error(`cluster-sim: the scenario could not be loaded: ${(error as Error).message}`, { cause: error });
  }
  nodes.start();

  const faults = new FaultInjector();
  const tokens = new TokenIssuer();
  const requests = new RequestLog(cluster.registry);
  const admission = new ValidatingAdmission(
    cluster.service,
    () => cluster.registry.lookup('admissionregistration.k8s.io', 'v1', 'validatingwebhookconfigurations'),
    webhookServiceResolver,
  );
  const { app, openWatches } = buildApiServer(cluster, {
    bookmarkIntervalMs: bookmarkIntervalMs ?? 1000,
    logger: logger ?? false,
    admission,
    extraRoutes: (server) => {
      requests.install(server);
      faults.install(server);
      registerSimulationRoutes(server, nodes);
      registerTokenReviewRoute(server, tokens);
    },
  });
  await app.listen({ host: host ?? '127.0.0.1', port: port ?? 0 });
  const address = app.server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  const kubeconfig = buildKubeconfig(url);
  let writtenPath: string | undefined;
  if (kubeconfigPath) {
    writtenPath = resolve(kubeconfigPath);
    await mkdir(dirname(writtenPath), { recursive: true });
    await writeFile(writtenPath, kubeconfig, { mode: 0o600 });
  }

  let closed = false;
  return {
    url,
    kubeconfig,
    ...(writtenPath ? { kubeconfigPath: writtenPath } : {}),
    state: new ClusterState(cluster),
    clock: cluster.clock,
    rebootNode: (name, rebootOptions) => nodes.reboot(name, rebootOptions),
    setNodeReady: (name, ready) => void nodes.setReady(name, ready),
    injectFault: (rule) => faults.add(rule),
    disconnectWatches: () => {
      for (const watch of [...openWatches]) watch.end();
    },
    compactHistory: () => cluster.store.compact(),
    issueToken: (tokenOptions) => tokens.issue(tokenOptions),
    requests,
    async close() {
      if (closed) return;
      closed = true;
      for (const watch of [...openWatches]) watch.end();
      nodes.stop();
      cluster.dispose();
      await app.close();
    },
  };
}
