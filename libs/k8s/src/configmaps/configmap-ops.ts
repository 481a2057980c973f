import type { V1ConfigMap } from '@kubernetes/client-node';
import type { KubeClient } from '../client/kube-client.js';
import { K8sErrorCode, toK8sError } from '../errors.js';
import { type ConflictRetryOptions, retryOnConflict } from '../retry/retry-on-conflict.js';

export type ConfigMapData = Record<string, string>;

export interface ConfigMapWriteResult {
  configMap: V1ConfigMap;
  created: boolean;
  changed: boolean;
}

/**
 * ConfigMaps as small shared state: fault-quarantine's `circuit-breaker` (status, cursor) and the
 * datastore resume-control map. Writes are read-modify-write with conflict retry, so two replicas
 * updating different keys both land.
 */
export class ConfigMapOps {
  readonly #client: KubeClient;
  readonly #conflictRetry: ConflictRetryOptions | undefined;

  constructor(client: KubeClient, options: { conflictRetry?: ConflictRetryOptions } = {}) {
    this.#client = client;
    this.#conflictRetry = options.conflictRetry;
  }

  /** The ConfigMap, or undefined when it does not exist. */
  async get(namespace: string, name: string): Promise<V1ConfigMap | undefined> {
    try {
      return await this.#client.core.readNamespacedConfigMap({ namespace, name });
    } catch (err) {
      const error = toK8sError(err, `get configmap ${namespace}/${name}`);
      if (error.code === K8sErrorCode.NOT_FOUND) return undefined;
      throw error;
    }
  }

  /** Create the ConfigMap with `data`, or merge `data` into the existing one (other keys kept). */
  createOrUpdate(namespace: string, name: string, data: ConfigMapData): Promise<ConfigMapWriteResult> {
    return this.update(namespace, name, (current) => ({ ...current, ...data }));
  }

  /**
   * Read-modify-write the data map. `mutate` receives the current data (empty when the ConfigMap
   * does not exist) and returns the complete new data; returning the same content writes nothing.
   * A concurrent create (AlreadyExists) or update (Conflict) re-runs `mutate` on fresh data.
   */
  update(
    namespace: string,
    name: string,
    mutate: (current: Readonly<ConfigMapData>) => ConfigMapData,
  ): Promise<ConfigMapWriteResult> {
    const core = this.#client.core;
    return retryOnConflict(
      `write configmap ${namespace}/${name}`,
      async () => {
        const existing = await this.get(namespace, name);
        const current = existing?.data ?? {};
        const next = mutate(current);
        if (existing && sameData(current, next)) return { configMap: existing, created: false, changed: false };
        if (!existing) {
          try {
            const configMap = await core.createNamespacedConfigMap({
              namespace,
              body: { metadata: { name, namespace }, data: next },
            });
            return { configMap, created: true, changed: true };
          } catch (err) {
            // Someone created it between our read and create: treat like a conflict and re-read.
            if (toK8sError(err).code === K8sErrorCode.ALREADY_EXISTS)
              throw toK8sError({ statusCode: 409, message: 'created concurrently' });
            throw err;
          }
        }
        existing.data = next;
        const configMap = await core.replaceNamespacedConfigMap({ namespace, name, body: existing });
        return { configMap, created: false, changed: true };
      },
      this.#conflictRetry,
    );
  }

  /** Delete; false when it was already gone. */
  async delete(namespace: string, name: string): Promise<boolean> {
    try {
      await this.#client.core.deleteNamespacedConfigMap({ namespace, name });
      return true;
    } catch (err) {
      const error = toK8sError(err, `delete configmap ${namespace}/${name}`);
      if (error.code === K8sErrorCode.NOT_FOUND) return false;
      throw error;
    }
  }
}

function sameData(a: Readonly<ConfigMapData>, b: Readonly<ConfigMapData>): boolean {
  const keys = Object.keys(a);
  return (
    keys.length === Object.keys(b).length &&
    keys.every((k) => Object.prototype.hasOwnProperty.call(b, k) && a[k] === b[k])
  );
}
