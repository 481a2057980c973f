import type { V1Node } from '@kubernetes/client-node';
import type { KubeClient } from '../client/kube-client.js';
import type { K8sError } from '../errors.js';
import type { BackoffPolicy } from '../internal/backoff.js';
import type { Clock } from '../internal/clock.js';
import {
  type LabelSelectorInput,
  formatLabelSelector,
  matchesLabels,
  parseLabelSelector,
} from '../internal/label-selector.js';
import { type ObjectChange, ResilientInformer } from '../informers/resilient-informer.js';

export type NodeChange = ObjectChange<V1Node>;

export interface NodeCacheOptions {
  /**
   * Server-side scope of the cache, e.g. fault-quarantine's `nvidia.com/gpu.present=true`.
   * Nodes outside it are invisible to `get` and `list`.
   */
  labelSelector?: LabelSelectorInput;
  backoff?: BackoffPolicy;
  clock?: Clock;
  onError?(err: K8sError, restartInMs: number): void;
}

/**
 * Informer-style cache of Node objects: one list, then a watch that resumes from the last
 * resourceVersion, re-lists on 410 Gone and restarts with backoff on errors. Reads are served from
 * memory, so services can look nodes up per event without spending API budget.
 */
export class NodeCache {
  readonly #informer: ResilientInformer<V1Node>;

  constructor(client: KubeClient, options: NodeCacheOptions = {}) {
    const labelSelector = options.labelSelector === undefined ? undefined : formatLabelSelector(options.labelSelector);
    this.#informer = new ResilientInformer<V1Node>({
      client,
      path: '/api/v1/nodes',
      list: () => client.core.listNode(labelSelector === undefined ? {} : { labelSelector }),
      deserializeAs: 'V1Node',
      labelSelector,
      backoff: options.backoff,
      clock: options.clock,
      onError: options.onError,
    });
  }

  start(): this {
    this.#informer.start();
    return this;
  }

  stop(): Promise<void> {
    return this.#informer.stop();
  }

  get synced(): boolean {
    return this.#informer.synced;
  }

  waitForSync(signal?: AbortSignal): Promise<void> {
    return this.#informer.waitForSync(signal);
  }

  get(name: string): V1Node | undefined {
    return this.#informer.get(name);
  }

  /** Cached nodes, optionally filtered by a label selector (same syntax as the API's). */
  list(selector?: LabelSelectorInput): V1Node[] {
    const all = this.#informer.list();
    if (selector === undefined) return all;
    const requirements = parseLabelSelector(selector);
    return all.filter((node) => matchesLabels(node.metadata?.labels, requirements));
  }

  /** Subscribe to add/update/delete; updates and deletes carry the previous object. Returns unsubscribe. */
  onChange(listener: (change: NodeChange) => void): () => void {
    return this.#informer.onChange(listener);
  }
}
