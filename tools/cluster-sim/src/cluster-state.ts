import type { Cluster } from './cluster.js';
import { cloneObject, type KubeObject } from './resources/kube-object.js';

/**
 * Direct, in-process access to the simulated cluster for test setup and assertions — no HTTP, no
 * client. Writes go through the same semantics as the API (resourceVersion, watch events).
 */
export class ClusterState {
  readonly #cluster: Cluster;

  constructor(cluster: Cluster) {
    this.#cluster = cluster;
  }

  /** The current global resourceVersion (etcd revision). */
  get resourceVersion(): string {
    return String(this.#cluster.store.revision);
  }

  /** Creates any served manifest (`apiVersion` + `kind` decide the resource). */
  create(manifest: KubeObject): KubeObject {
    return this.#cluster.createManifest(manifest);
  }

  get(apiVersion: string, kind: string, name: string, namespace?: string): KubeObject | undefined {
    const { type, version } = this.#cluster.typeOfManifest({ apiVersion, kind, metadata: {} });
    const found = this.#cluster.service.find(type, namespace, name);
    return found ? this.#cluster.service.present(found, type, version) : undefined;
  }

  list(apiVersion: string, kind: string, namespace?: string): KubeObject[] {
    const { type, version } = this.#cluster.typeOfManifest({ apiVersion, kind, metadata: {} });
    return this.#cluster.service
      .list(type, namespace === undefined ? {} : { namespace })
      .items.map((item) => cloneObject(this.#cluster.service.present(item, type, version)));
  }

  /** Replaces an object's status as a kubelet/controller would (e.g. a pod's phase). */
  updateStatus(
    apiVersion: string,
    kind: string,
    name: string,
    namespace: string | undefined,
    status: Record<string, unknown>,
  ): KubeObject {
    const { type, version } = this.#cluster.typeOfManifest({ apiVersion, kind, metadata: {} });
    const current = this.#cluster.service.get(type, namespace, name);
    return this.#cluster.service.present(
      this.#cluster.service.update(type, namespace, name, { ...current, status }, 'status'),
      type,
      version,
    );
  }

  nodes(): KubeObject[] {
    return this.list('v1', 'Node');
  }

  /** Pods, optionally only those bound to `nodeName`. */
  pods(nodeName?: string): KubeObject[] {
    const pods = this.list('v1', 'Pod');
    return nodeName === undefined
      ? pods
      : pods.filter((pod) => (pod.spec as { nodeName?: string } | undefined)?.nodeName === nodeName);
  }
}
