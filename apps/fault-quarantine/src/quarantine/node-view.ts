/**
 * The node state FQ decides from, without an API call per event: the informer cache, overlaid
 * with the nodes FQ itself just wrote. The overlay matters because the watch can lag our own
 * write — a healthy event right behind its fault must see the quarantine that fault applied.
 * Also keeps the set of quarantined nodes current for the breaker and the gauge.
 */
import type { V1Node } from '@kubernetes/client-node';
import type { NodeCache, NodeChange } from '@nvsentinel/k8s';
import { Annotations } from './node-keys.js';

export class NodeView {
  readonly #cache: NodeCache;
  readonly #written = new Map<string, V1Node>();
  readonly #quarantined = new Set<string>();
  readonly #onQuarantinedChange: (node: string, quarantined: boolean) => void;
  readonly #unsubscribe: () => void;

  constructor(cache: NodeCache, onQuarantinedChange: (node: string, quarantined: boolean) => void = () => {}) {
    this.#cache = cache;
    this.#onQuarantinedChange = onQuarantinedChange;
    this.#unsubscribe = cache.onChange((change) => this.#observe(change));
    for (const node of cache.list()) this.#track(node);
  }

  get(name: string): V1Node | undefined {
    const cached = this.#cache.get(name);
    const written = this.#written.get(name);
    if (!written) return cached;
    if (cached && !isOlder(cached, written)) {
      this.#written.delete(name); // the cache has caught up with our write
      return cached;
    }
    return written;
  }

  /** Record a node object FQ just wrote. */
  remember(node: V1Node): void {
    const name = node.metadata?.name;
    if (!name) return;
    this.#written.set(name, node);
    this.#track(node);
  }

  /** GPU nodes in the cluster (the cache is scoped to the GPU label). */
  count(): number {
    return this.#cache.list().length;
  }

  quarantinedNodes(): ReadonlySet<string> {
    return this.#quarantined;
  }

  close(): void {
    this.#unsubscribe();
  }

  #observe(change: NodeChange): void {
    const name = change.object.metadata?.name;
    if (!name) return;
    if (change.type === 'delete') {
      this.#written.delete(name);
      this.#set(name, false);
      return;
    }
    const current = this.get(name);
    if (current) this.#track(current);
  }

  #track(node: V1Node): void {
    const name = node.metadata?.name;
    if (name) this.#set(name, isQuarantined(node));
  }

  #set(name: string, quarantined: boolean): void {
    if (this.#quarantined.has(name) === quarantined) return;
    if (quarantined) this.#quarantined.add(name);
    else this.#quarantined.delete(name);
    this.#onQuarantinedChange(name, quarantined);
  }
}

function isQuarantined(node: V1Node): boolean {
  const value = node.metadata?.annotations?.[Annotations.healthEvents];
  return value !== undefined && value !== '' && value !== '[]';
}

/** resourceVersions are opaque in general but etcd revisions in practice; unparseable → not older. */
function isOlder(a: V1Node, b: V1Node): boolean {
  try {
    return BigInt(a.metadata?.resourceVersion ?? '0') < BigInt(b.metadata?.resourceVersion ?? '0');
  } catch {
    return false;
  }
}
