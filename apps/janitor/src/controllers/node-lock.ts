/**
 * The per-node lock all janitor controllers share (upstream `pkg/distributedlock/nodelock.go`): a
 * coordination.k8s.io/v1 Lease named exactly after the node, in janitor's namespace, whose single
 * ownerReference is the maintenance CR holding it. Creating the Lease is the atomic step: of two
 * CRs for one node exactly one create succeeds. The Lease never expires by time — a reboot may
 * take longer than any lease duration — it ends when the holder releases it or the holder CR is
 * deleted (Kubernetes garbage-collects the Lease through the ownerReference).
 *
 * libs/k8s `NodeLocks` does not fit: it identifies holders by process identity with expiry,
 * while here the holder is a CR (by uid) and survives janitor restarts and leader changes.
 */
import type { V1Lease, V1OwnerReference } from '@kubernetes/client-node';
import {
  type CustomObject,
  CustomObjectOps,
  type CustomResourceRef,
  type KubeClient,
  K8sErrorCode,
  toK8sError,
} from '@nvsentinel/k8s';
import { NodeLockError } from '../errors.js';

export interface LockHolder {
  ref: CustomResourceRef;
  object: CustomObject<unknown, unknown>;
}

export type LockResult = { held: true } | { held: false; holder: string };

export interface NodeLockOptions {
  namespace: string;
  /** Resources whose objects may hold locks, by kind, to detect a Lease left behind by a deleted CR. */
  holderKinds: ReadonlyMap<string, CustomResourceRef>;
  onOutcome?(action: 'lock' | 'unlock', status: 'success' | 'failed'): void;
}

function ownerOf(holder: LockHolder): V1OwnerReference {
  const { object, ref } = holder;
  return {
    apiVersion: `${ref.group}/${ref.version}`,
    kind: object.kind!,
    name: object.metadata!.name!,
    uid: object.metadata!.uid!,
    blockOwnerDeletion: true,
  };
}

export class NodeLock {
  readonly #client: KubeClient;
  readonly #objects: CustomObjectOps;
  readonly #options: NodeLockOptions;

  constructor(client: KubeClient, options: NodeLockOptions) {
    this.#client = client;
    this.#objects = new CustomObjectOps(client);
    this.#options = options;
  }

  async #read(name: string): Promise<V1Lease | undefined> {
    try {
      return await this.#client.coordination.readNamespacedLease({ name, namespace: this.#options.namespace });
    } catch (err) {
      const error = toK8sError(err, `get lease ${name}`);
      if (error.code === K8sErrorCode.NOT_FOUND) return undefined;
      throw error;
    }
  }

  /**
   * Locks this process took or confirmed, node → holder uid and Lease uid, so a reconcile that
   * already holds the lock spends no request on it. Another janitor process cannot take a lock
   * out from under its holder (the Lease only goes with a release or the holder's deletion), so
   * the memo stays true; `release` clears it.
   */
  readonly #held = new Map<string, { owner: string; lease: string | undefined }>();

  /** Take the node's lock for `holder` (idempotent: true again when it already holds it). */
  async acquire(nodeName: string, holder: LockHolder): Promise<LockResult> {
    const owner = ownerOf(holder);
    if (this.#held.get(nodeName)?.owner === owner.uid) return { held: true };
    try {
      const result = await this.#tryAcquire(nodeName, owner);
      this.#options.onOutcome?.('lock', 'success');
      return result;
    } catch (err) {
      this.#options.onOutcome?.('lock', 'failed');
      throw new NodeLockError(nodeName, 'acquired', (err as Error).message, { cause: err });
    }
  }

  async #tryAcquire(nodeName: string, owner: V1OwnerReference, attempt = 0): Promise<LockResult> {
    const namespace = this.#options.namespace;
    try {
      const created = await this.#client.coordination.createNamespacedLease({
        namespace,
        body: {
          metadata: { name: nodeName, namespace, ownerReferences: [owner] },
          spec: { holderIdentity: `${owner.kind}/${owner.name}` },
        },
      });
      this.#held.set(nodeName, { owner: owner.uid, lease: created.metadata?.uid });
      return { held: true };
    } catch (err) {
      if (toK8sError(err).code !== K8sErrorCode.ALREADY_EXISTS) throw err;
    }
    const lease = await this.#read(nodeName);
    if (!lease)
      return attempt < 3 ? this.#tryAcquire(nodeName, owner, attempt + 1) : { held: false, holder: 'unknown' };
    const current = lease.metadata?.ownerReferences?.[0];
    if (current?.uid === owner.uid) {
      this.#held.set(nodeName, { owner: owner.uid, lease: lease.metadata?.uid });
      return { held: true };
    }
    // A holder CR that no longer exists left its Lease behind (garbage collection is asynchronous,
    // and absent in the simulator): remove it so the node does not stay locked forever.
    if (attempt < 3 && (await this.#holderGone(current))) {
      await this.#deleteLease(lease);
      return this.#tryAcquire(nodeName, owner, attempt + 1);
    }
    return {
      held: false,
      holder: current ? `${current.kind}/${current.name}` : (lease.spec?.holderIdentity ?? 'unknown'),
    };
  }

  async #holderGone(owner: V1OwnerReference | undefined): Promise<boolean> {
    if (!owner) return true;
    const ref = this.#options.holderKinds.get(owner.kind);
    if (!ref) return false;
    const object = await this.#objects.get(ref, owner.name);
    return !object || object.metadata?.uid !== owner.uid;
  }

  async #deleteLease(lease: V1Lease): Promise<boolean> {
    try {
      await this.#client.coordination.deleteNamespacedLease({
        name: lease.metadata!.name!,
        namespace: this.#options.namespace,
        body: {
          preconditions: {
            uid: lease.metadata?.uid,
            ...(lease.metadata?.resourceVersion ? { resourceVersion: lease.metadata.resourceVersion } : {}),
          },
        },
      });
      return true;
    } catch (err) {
      const code = toK8sError(err).code;
      if (code === K8sErrorCode.NOT_FOUND || code === K8sErrorCode.CONFLICT) return false;
      throw err;
    }
  }

  /** Release the node's lock if `holder` holds it (upstream `CheckUnlock`); false when it did not. */
  async release(nodeName: string, holder: LockHolder): Promise<boolean> {
    const memo = this.#held.get(nodeName);
    this.#held.delete(nodeName);
    try {
      if (memo && memo.owner === holder.object.metadata?.uid && memo.lease) {
        // Known to be ours: one conditional delete instead of read + delete.
        const released = await this.#deleteLease({ metadata: { name: nodeName, uid: memo.lease } });
        this.#options.onOutcome?.('unlock', 'success');
        return released;
      }
      const lease = await this.#read(nodeName);
      if (!lease || lease.metadata?.ownerReferences?.[0]?.uid !== holder.object.metadata?.uid) return false;
      const released = await this.#deleteLease(lease);
      this.#options.onOutcome?.('unlock', 'success');
      return released;
    } catch (err) {
      this.#options.onOutcome?.('unlock', 'failed');
      throw new NodeLockError(nodeName, 'released', (err as Error).message, { cause: err });
    }
  }

  /** Whether `holder` currently holds the node's lock. */
  async holds(nodeName: string, holder: LockHolder): Promise<boolean> {
    const lease = await this.#read(nodeName);
    return lease?.metadata?.ownerReferences?.[0]?.uid === holder.object.metadata?.uid;
  }
}
