import { KubeConfig } from '@kubernetes/client-node';
import { startClusterSim, type ClusterSim, type ClusterSimOptions } from '../start-cluster-sim.js';

/** Starts a simulator and a KubeConfig pointing at it, for specs. */
export async function startWithClient(options: ClusterSimOptions = {}): Promise<{ sim: ClusterSim; kc: KubeConfig }> {
  const sim = await startClusterSim(options);
  const kc = new KubeConfig();
  kc.loadFromString(sim.kubeconfig);
  return { sim, kc };
}

/** The HTTP status and Kubernetes Status body of a failed client-node call. */
export async function apiFailure(promise: Promise<unknown>): Promise<{
  code: number;
  status: { reason?: string; message?: string; code?: number; details?: Record<string, unknown> };
}> {
  try {
    await promise;
  } catch (error) {
    const failure = error as { code?: number; body?: unknown };
    if (typeof failure.code !== 'number') throw error;
    const body =
      typeof failure.body === 'string'
        ? (JSON.parse(failure.body) as Record<string, unknown>)
        : ((failure.body ?? {}) as Record<string, unknown>);
    return { code: failure.code, status: body };
  }
  throw new Error('expected the API call to fail, but it succeeded');
}

/** Polls until `check` returns a value (not undefined) or the attempt budget runs out. */
export async function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  attempts = 200,
  delayMs = 10,
): Promise<T> {
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, delayMs));
  }
  throw new Error(`condition not met after ${attempts} attempts`);
}
