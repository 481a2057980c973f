import { type V1Lease, V1MicroTime, type V1OwnerReference } from '@kubernetes/client-node';
import type { KubeClient } from '../client/kube-client.js';
import { K8sErrorCode, isConflict, toK8sError } from '../errors.js';

export interface NodeLocksOptions {
  /** Namespace holding the Lease objects (the service's own namespace). */
  namespace: string;
  /** Who holds a lock we take; usually the pod name. */
  holderIdentity: string;
  /** A lock not renewed for this long may be taken over. Default 60 s. */
  leaseDurationSeconds?: number;
  /** Lease name for a node; default the node name (janitor's convention). */
  leaseName?(nodeName: string): string;
  now?: () => Date;
}

export type AcquireResult =
  { acquired: true; lease: V1Lease; tookOver: boolean } | { acquired: false; holder: string; expiresAt: Date };

/**
 * Per-node mutual exclusion on coordination.k8s.io/v1 Leases, as janitor uses before rebooting a
 * node. Every write carries the resourceVersion it read, so of two contenders exactly one wins;
 * the loser gets `acquired: false` (never an exception for ordinary contention).
 */
export class NodeLocks {
  readonly #client: KubeClient;
  readonly #options: NodeLocksOptions;

  constructor(client: KubeClient, options: NodeLocksOptions) {
    this.#client = client;
    this.#options = options;
  }

  #now(): Date {
    return this.#options.now?.() ?? new Date();
  }

  #name(nodeName: string): string {
    return this.#options.leaseName?.(nodeName) ?? nodeName;
  }

  get #duration(): number {
    return this.#options.leaseDurationSeconds ?? 60;
  }

  async #read(name: string): Promise<V1Lease | undefined> {
    try {
      return await this.#client.coordination.readNamespacedLease({ name, namespace: this.#options.namespace });
    } catch (err) {
      const error = toK8sError(err, `get lease ${this.#options.namespace}/${name}`);
      if (error.code === K8sErrorCode.NOT_FOUND) return undefined;
      throw error;
    }
  }

  /** Take the lock for `nodeName`, or report who holds it. `owner` ties the Lease's lifetime to e.g. the RebootNode CR. */
  async acquire(nodeName: string, owner?: V1OwnerReference): Promise<AcquireResult> {
    const name = this.#name(nodeName);
    const namespace = this.#options.namespace;
    const now = this.#now();
    const existing = await this.#read(name);
    const spec = {
      holderIdentity: this.#options.holderIdentity,
      leaseDurationSeconds: this.#duration,
      acquireTime: new V1MicroTime(now.getTime()),
      renewTime: new V1MicroTime(now.getTime()),
    };
    try {
      if (!existing) {
        const lease = await this.#client.coordination.createNamespacedLease({
          namespace,
          body: {
            metadata: { name, namespace, ...(owner ? { ownerReferences: [owner] } : {}) },
            spec: { ...spec, leaseTransitions: 0 },
          },
        });
        return { acquired: true, lease, tookOver: false };
      }
      const holder = existing.spec?.holderIdentity ?? '';
      const expiresAt = leaseExpiry(existing);
      const ours = holder === this.#options.holderIdentity;
      if (holder !== '' && !ours && expiresAt.getTime() > now.getTime()) {
        return { acquired: false, holder, expiresAt };
      }
      const tookOver = !ours && holder !== '';
      existing.spec = {
        ...existing.spec,
        ...spec,
        ...(ours ? { acquireTime: existing.spec?.acquireTime } : {}),
        leaseTransitions: (existing.spec?.leaseTransitions ?? 0) + (ours ? 0 : 1),
      };
      if (owner) existing.metadata = { ...existing.metadata, ownerReferences: [owner] };
      const lease = await this.#client.coordination.replaceNamespacedLease({ name, namespace, body: existing });
      return { acquired: true, lease, tookOver };
    } catch (err) {
      // Lost a race with another contender: report the winner rather than failing.
      if (isConflict(err) || toK8sError(err).code === K8sErrorCode.ALREADY_EXISTS) {
        const winner = await this.#read(name);
        return {
          acquired: false,
          holder: winner?.spec?.holderIdentity ?? '',
          expiresAt: winner ? leaseExpiry(winner) : now,
        };
      }
      throw toK8sError(err, `acquire lease ${namespace}/${name}`);
    }
  }

  /** Extend our lock. False when we no longer hold it (expired and taken over, or released). */
  async renew(nodeName: string): Promise<boolean> {
    const name = this.#name(nodeName);
    const lease = await this.#read(name);
    if (!lease || lease.spec?.holderIdentity !== this.#options.holderIdentity) return false;
    lease.spec = { ...lease.spec, renewTime: new V1MicroTime(this.#now().getTime()) };
    try {
      await this.#client.coordination.replaceNamespacedLease({ name, namespace: this.#options.namespace, body: lease });
      return true;
    } catch (err) {
      if (isConflict(err)) return false;
      throw toK8sError(err, `renew lease ${this.#options.namespace}/${name}`);
    }
  }

  /** Release our lock by deleting the Lease. False when it was not ours (or already gone). */
  async release(nodeName: string): Promise<boolean> {
    const name = this.#name(nodeName);
    const namespace = this.#options.namespace;
    const lease = await this.#read(name);
    if (!lease || lease.spec?.holderIdentity !== this.#options.holderIdentity) return false;
    try {
      await this.#client.coordination.deleteNamespacedLease({
        name,
        namespace,
        body: { preconditions: { resourceVersion: lease.metadata?.resourceVersion } },
      });
      return true;
    } catch (err) {
      const error = toK8sError(err, `release lease ${namespace}/${name}`);
      if (error.code === K8sErrorCode.NOT_FOUND || error.code === K8sErrorCode.CONFLICT) return false;
      throw error;
    }
  }
}

/** renewTime (or acquireTime) + leaseDurationSeconds. MicroTime arrives as a string from the API. */
export function leaseExpiry(lease: V1Lease): Date {
  const last = lease.spec?.renewTime ?? lease.spec?.acquireTime;
  const base = last ? new Date(last as unknown as string | Date).getTime() : 0;
  return new Date(base + (lease.spec?.leaseDurationSeconds ?? 0) * 1000);
}
