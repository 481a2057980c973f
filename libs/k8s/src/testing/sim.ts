import { type ClusterSim, type ClusterSimOptions, startClusterSim } from '@nvsentinel/cluster-sim';
import { type KubeClient, type KubeClientOptions, createKubeClient } from '../client/kube-client.js';
import { RequestCounter, combineHooks } from '../client/request-metrics.js';

export interface SimClient {
  sim: ClusterSim;
  client: KubeClient;
  /** Every request `client` sent (verb, resource, status). */
  requests: RequestCounter;
  /** Another client for playing the concurrent writer; unthrottled and not counted. */
  other: KubeClient;
}

/** Start a cluster simulator and a client (plus a second "other writer" client) pointed at it. */
export async function startSimClient(
  scenario: ClusterSimOptions = { nodes: 3 },
  clientOptions: KubeClientOptions = {},
): Promise<SimClient> {
  const sim = await startClusterSim(scenario);
  const requests = new RequestCounter();
  const client = createKubeClient({
    qps: Infinity,
    burst: 1,
    ...clientOptions,
    kubeconfig: sim.kubeconfig,
    metrics: requests,
  });
  const other = createKubeClient({ kubeconfig: sim.kubeconfig, qps: Infinity, burst: 1, userAgent: 'other-writer' });
  return { sim, client, requests, other };
}

/** Another client for the same simulator (e.g. with its own middleware or clock). */
export function clientFor(
  sim: ClusterSim,
  options: KubeClientOptions = {},
): { client: KubeClient; requests: RequestCounter } {
  const requests = new RequestCounter();
  const metrics = combineHooks([requests, options.metrics]);
  const client = createKubeClient({ qps: Infinity, burst: 1, ...options, kubeconfig: sim.kubeconfig, metrics });
  return { client, requests };
}

/** Poll `check` until it returns a value other than undefined (real I/O needs real time to settle). */
export async function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  what = 'condition',
  attempts = 500,
  delayMs = 10,
): Promise<T> {
  for (let i = 0; i < attempts; i++) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, delayMs));
  }
  throw new Error(`${what} not met after ${attempts} polls`);
}
