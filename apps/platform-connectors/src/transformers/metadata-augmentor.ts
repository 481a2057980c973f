/**
 * MetadataAugmentor: adds `providerID` (node.spec.providerID) and the allow-listed node labels
 * to each event's metadata, so rules and operators can see zone, instance type, topology …
 * without a lookup of their own. Node lookups are cached (LRU + TTL) and shared by the events of
 * one batch; a failed lookup leaves the events as they are.
 */
import type { HealthEvent } from '@nvsentinel/health-model';
import type { KubeClient } from '@nvsentinel/k8s';
import type { Logger } from '@nvsentinel/service-kit';
import { LruCache } from './lru-cache.js';
import type { HealthEventTransformer } from './transformer.js';

export interface MetadataAugmentorConfig {
  /** Nodes remembered. Default 50 (one DaemonSet pod mostly sees its own node). */
  cacheSize?: number;
  /** How long a node's metadata is reused. Default 1 h. */
  cacheTtlMs?: number;
  /** Node label keys copied into metadata. Default DEFAULT_ALLOWED_LABELS. */
  allowedLabels?: readonly string[];
  /** A lookup slower than this is abandoned (events go on without node metadata). Default 2 s. */
  lookupTimeoutMs?: number;
  /** A failed lookup is not retried for this long, so a missing node costs one API call, not one per event. Default 30 s. */
  failureTtlMs?: number;
}

/** Topology, instance and driver labels of the major clouds and of NVIDIA's operators. */
export const DEFAULT_ALLOWED_LABELS: readonly string[] = [
  'topology.kubernetes.io/zone',
  'topology.kubernetes.io/region',
  'node.kubernetes.io/instance-type',
  'nvidia.com/cuda.driver-version.major',
  'nvidia.com/cuda.driver-version.minor',
  'nvidia.com/cuda.driver-version.revision',
  'nvidia.com/cuda.driver-version.full',
  'nvidia.com/cuda.runtime-version.major',
  'nvidia.com/cuda.runtime-version.minor',
  'nvidia.com/cuda.runtime-version.full',
  'nvidia.com/gpu.product',
  'topology.k8s.aws/capacity-block-id',
  'topology.k8s.aws/network-node-layer-1',
  'topology.k8s.aws/network-node-layer-2',
  'topology.k8s.aws/network-node-layer-3',
  'oci.oraclecloud.com/host.id',
  'oci.oraclecloud.com/host.network_block_id',
  'oci.oraclecloud.com/host.rack_id',
  'oci.oraclecloud.com/host.serial_number',
  'cloud.google.com/gce-topology-block',
  'cloud.google.com/gce-topology-subblock',
  'cloud.google.com/gce-topology-host',
  'network.topology.nvidia.com/accelerator',
  'network.topology.nvidia.com/leaf',
  'network.topology.nvidia.com/spine',
  'network.topology.nvidia.com/core',
];

const PROVIDER_ID_KEY = 'providerID';

type NodeMetadata = Record<string, string>;

export class MetadataAugmentor implements HealthEventTransformer {
  readonly name = 'MetadataAugmentor';
  readonly #kube: KubeClient;
  readonly #logger: Logger;
  readonly #allowed: readonly string[];
  readonly #cache: LruCache<string, NodeMetadata>;
  readonly #failures: LruCache<string, true>;
  readonly #timeoutMs: number;

  constructor(kube: KubeClient, config: MetadataAugmentorConfig, logger: Logger) {
    this.#kube = kube;
    this.#logger = logger;
    this.#allowed = config.allowedLabels ?? DEFAULT_ALLOWED_LABELS;
    this.#cache = new LruCache(config.cacheSize ?? 50, config.cacheTtlMs ?? 3_600_000);
    this.#failures = new LruCache(config.cacheSize ?? 50, config.failureTtlMs ?? 30_000);
    this.#timeoutMs = config.lookupTimeoutMs ?? 2000;
  }

  async transform(events: HealthEvent[]): Promise<void> {
    const nodes = [...new Set(events.map((e) => e.nodeName))];
    const found = new Map<string, NodeMetadata | undefined>();
    await Promise.all(nodes.map(async (node) => found.set(node, await this.#lookup(node))));
    for (const event of events) {
      const metadata = found.get(event.nodeName);
      // The monitor's own values win: it knows its event better than the node object does.
      if (metadata) event.metadata = { ...metadata, ...event.metadata };
    }
  }

  async #lookup(nodeName: string): Promise<NodeMetadata | undefined> {
    const cached = this.#cache.get(nodeName);
    if (cached) return cached;
    if (this.#failures.get(nodeName)) return undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      // This runs on the request path (enrichment must precede storage), so a slow API server
      // may delay ingest by at most the timeout.
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`node lookup took longer than ${this.#timeoutMs} ms`)),
          this.#timeoutMs,
        );
      });
      const node = await Promise.race([this.#kube.core.readNode({ name: nodeName }), timeout]);
      const metadata: NodeMetadata = {};
      if (node.spec?.providerID) metadata[PROVIDER_ID_KEY] = node.spec.providerID;
      const labels = node.metadata?.labels ?? {};
      for (const key of this.#allowed) if (labels[key] !== undefined) metadata[key] = labels[key];
      this.#cache.set(nodeName, metadata);
      return metadata;
    } catch (err) {
      this.#failures.set(nodeName, true);
      this.#logger.warn(
        { err, node: nodeName },
        'node lookup failed; events of this node are stored without node metadata',
      );
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }
}
