import {
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  IsomorphicFetchHttpLibrary,
  type KubeConfig,
  type Middleware,
  PolicyV1Api,
  ServerConfiguration,
  createConfiguration,
} from '@kubernetes/client-node';
import { K8sError, K8sErrorCode } from '../errors.js';
import { AgentPool } from './agent-pool.js';
import type { Clock } from '../internal/clock.js';
import { NvsKubeConfig } from './nvs-kube-config.js';
import { RateLimitedHttpLibrary } from './rate-limited-http.js';
import { combineHooks, type RequestMetricsHooks } from './request-metrics.js';
import { ThrottledWatch } from './throttled-watch.js';
import { TokenBucket } from './token-bucket.js';

/**
 * Default client-side budget. Upstream NVSentinel inherits client-go's 5 QPS / burst 10, which its
 * scale tests show is the node-drainer bottleneck (~1.25 nodes/s). 20/40 keeps a 15-pod node's
 * evictions under a second while staying well inside API Priority and Fairness' default share.
 * Services expose both as flags (Helm `global.qps` / `global.burst`).
 */
export const DEFAULT_QPS = 20;
export const DEFAULT_BURST = 40;

export interface KubeClientOptions {
  /** Kubeconfig YAML content (tests pass the simulator's). */
  kubeconfig?: string;
  /** Path to a kubeconfig file (`--kubeconfig`). */
  kubeconfigPath?: string;
  /** Use the pod's service account (KUBERNETES_SERVICE_HOST + mounted token). */
  inCluster?: boolean;
  /** Kubeconfig context to use instead of current-context. */
  context?: string;
  /** Sustained requests per second for this client; `Infinity` disables limiting. Default 20. */
  qps?: number;
  /** Requests that may be sent at once after a quiet period. Default 40. */
  burst?: number;
  /** Sent as User-Agent, so API server audit logs name the service. */
  userAgent?: string;
  /** Called once per request with verb, resource, status, throttle wait and latency. */
  metrics?: RequestMetricsHooks;
  /** Extra client-node middlewares run on every typed API call (tracing headers, tests). */
  middleware?: Middleware[];
  /** Time source for the rate limiter (tests inject a manual clock). */
  clock?: Clock;
}

/** The typed APIs every service needs, all sharing one rate limiter and one set of metrics hooks. */
export interface KubeClient {
  readonly kubeConfig: KubeConfig;
  readonly server: string;
  readonly userAgent: string;
  readonly core: CoreV1Api;
  readonly coordination: CoordinationV1Api;
  readonly policy: PolicyV1Api;
  readonly customObjects: CustomObjectsApi;
  readonly limiter: TokenBucket;
  readonly metrics: RequestMetricsHooks;
  /** A watch that obeys the same rate limiter; pass a model name (e.g. "V1Node") to get typed objects. */
  newWatch(deserializeAs?: string): ThrottledWatch;
  /** Close pooled keep-alive connections (call at shutdown, after stopping informers). */
  close(): void;
}

function loadKubeConfig(options: KubeClientOptions, userAgent: string, agents: AgentPool): NvsKubeConfig {
  const kc = new NvsKubeConfig(userAgent, agents);
  const sources = [options.kubeconfig !== undefined, options.kubeconfigPath !== undefined, options.inCluster === true];
  if (sources.filter(Boolean).length > 1) {
    throw new K8sError(K8sErrorCode.CONFIG, 'pass only one of kubeconfig, kubeconfigPath and inCluster');
  }
  try {
    if (options.kubeconfig !== undefined) kc.loadFromString(options.kubeconfig);
    else if (options.kubeconfigPath !== undefined) kc.loadFromFile(options.kubeconfigPath);
    else if (options.inCluster) kc.loadFromCluster();
    else kc.loadFromDefault();
    if (options.context) kc.setCurrentContext(options.context);
  } catch (err) {
    throw new K8sError(K8sErrorCode.CONFIG, `cannot load kubeconfig: ${(err as Error).message}`, { cause: err });
  }
  return kc;
}

/** Build the client bundle. Throws `NVS_ERR_K8S_CONFIG` for unusable options. */
export function createKubeClient(options: KubeClientOptions = {}): KubeClient {
  const userAgent = options.userAgent ?? 'nvsentinel';
  const agents = new AgentPool();
  const kubeConfig = loadKubeConfig(options, userAgent, agents);
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) {
    throw new K8sError(
      K8sErrorCode.CONFIG,
      'the kubeconfig has no current cluster; set current-context or pass context',
    );
  }
  const limiter = new TokenBucket({
    qps: options.qps ?? DEFAULT_QPS,
    burst: options.burst ?? DEFAULT_BURST,
    clock: options.clock,
  });
  const metrics = combineHooks([options.metrics]);
  const configuration = createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: kubeConfig },
    httpApi: new RateLimitedHttpLibrary(new IsomorphicFetchHttpLibrary(), limiter, metrics, agents),
    promiseMiddleware: options.middleware ?? [],
  });
  return {
    kubeConfig,
    server: cluster.server,
    userAgent,
    core: new CoreV1Api(configuration),
    coordination: new CoordinationV1Api(configuration),
    policy: new PolicyV1Api(configuration),
    customObjects: new CustomObjectsApi(configuration),
    limiter,
    metrics,
    newWatch: (deserializeAs) => new ThrottledWatch(kubeConfig, { limiter, hooks: metrics, deserializeAs }),
    close: () => agents.destroy(),
  };
}
