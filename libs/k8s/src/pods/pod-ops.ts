import type { V1DeleteOptions, V1Eviction, V1Pod, V1PodList } from '@kubernetes/client-node';
import type { KubeClient } from '../client/kube-client.js';
import { type K8sError, K8sErrorCode, toK8sError } from '../errors.js';
import { type BackoffPolicy, backoffDelay } from '../internal/backoff.js';
import { type Clock, systemClock } from '../internal/clock.js';

/** A pod to act on: a full object (its UID then guards against a same-named replacement) or a name. */
export type PodRef = V1Pod | { namespace: string; name: string; uid?: string };

export type EvictionResult =
  | { outcome: 'evicted'; attempts: number }
  | { outcome: 'not-found'; attempts: number }
  /** Every attempt until the deadline got 429: a PodDisruptionBudget allows no disruption now. */
  | { outcome: 'blocked-by-pdb'; attempts: number; error: K8sError }
  | { outcome: 'error'; attempts: number; error: K8sError };

export interface EvictOptions {
  /** Grace period for the pod's containers; the pod's own setting when omitted. */
  gracePeriodSeconds?: number;
  /** How long to keep retrying while the budget blocks (429). Default 60 s; 0 tries once. */
  deadlineMs?: number;
  /** Server-side dry run (node-drainer's --dry-run): validated, nothing deleted. */
  dryRun?: boolean;
  signal?: AbortSignal;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  /** Delete immediately (grace period 0), as `kubectl delete --force` does. */
  force?: boolean;
  dryRun?: boolean;
}

export interface ListPodsOptions {
  labelSelector?: string;
  /** Restrict to one namespace; all namespaces by default. */
  namespace?: string;
}

export interface PodOpsOptions {
  /** Backoff between eviction attempts blocked with 429. Default 1 s doubling to 16 s. */
  evictionBackoff?: BackoffPolicy;
  clock?: Clock;
}

const DEFAULT_EVICTION_BACKOFF: BackoffPolicy = { initialMs: 1_000, maxMs: 16_000, factor: 2, jitter: 0.2 };
const DEFAULT_EVICTION_DEADLINE_MS = 60_000;

function refOf(pod: PodRef): { namespace: string; name: string; uid?: string } {
  if ('metadata' in pod || 'spec' in pod || 'status' in pod) {
    const meta = (pod as V1Pod).metadata ?? {};
    return { namespace: meta.namespace ?? 'default', name: meta.name ?? '', uid: meta.uid };
  }
  return pod as { namespace: string; name: string; uid?: string };
}

/** Pod reads, evictions and deletions for node-drainer. */
export class PodOps {
  readonly #client: KubeClient;
  readonly #backoff: BackoffPolicy;
  readonly #clock: Clock;

  constructor(client: KubeClient, options: PodOpsOptions = {}) {
    this.#client = client;
    this.#backoff = options.evictionBackoff ?? DEFAULT_EVICTION_BACKOFF;
    this.#clock = options.clock ?? systemClock;
  }

  /** Pods scheduled on `nodeName` (field selector `spec.nodeName`), across namespaces by default. */
  async listPodsOnNode(nodeName: string, options: ListPodsOptions = {}): Promise<V1Pod[]> {
    return (await this.podListOnNode(nodeName, options)).items;
  }

  /**
   * The same list with its metadata: its `resourceVersion` lets a watch (e.g. a `ResilientInformer`
   * seeded with this list) continue exactly where the list left off, without listing again.
   */
  async podListOnNode(nodeName: string, options: ListPodsOptions = {}): Promise<V1PodList> {
    const fieldSelector = `spec.nodeName=${nodeName}`;
    const labelSelector = options.labelSelector;
    try {
      return options.namespace
        ? await this.#client.core.listNamespacedPod({ namespace: options.namespace, fieldSelector, labelSelector })
        : await this.#client.core.listPodForAllNamespaces({ fieldSelector, labelSelector });
    } catch (err) {
      throw toK8sError(err, `list pods on node ${nodeName}`);
    }
  }

  /**
   * Evict through the policy/v1 eviction subresource, which honours PodDisruptionBudgets. 429
   * (budget exhausted) is retried with exponential backoff until `deadlineMs`; then the result is
   * `blocked-by-pdb`. 404 — or a UID precondition failure, meaning the pod we meant is gone and a
   * namesake replaced it — is `not-found`. Anything else (e.g. 500 when two budgets select the pod)
   * is `error`. Never throws for API failures; aborting the signal rejects.
   */
  async evictPod(pod: PodRef, options: EvictOptions = {}): Promise<EvictionResult> {
    const { namespace, name, uid } = refOf(pod);
    const deleteOptions: V1DeleteOptions = {};
    if (options.gracePeriodSeconds !== undefined) deleteOptions.gracePeriodSeconds = options.gracePeriodSeconds;
    if (uid) deleteOptions.preconditions = { uid };
    if (options.dryRun) deleteOptions.dryRun = ['All'];
    const body: V1Eviction = {
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name, namespace },
      deleteOptions,
    };
    const deadline = this.#clock.now() + (options.deadlineMs ?? DEFAULT_EVICTION_DEADLINE_MS);
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#client.core.createNamespacedPodEviction({ name, namespace, body });
        return { outcome: 'evicted', attempts: attempt };
      } catch (raw) {
        const error = toK8sError(raw, `evict pod ${namespace}/${name}`);
        if (error.code === K8sErrorCode.NOT_FOUND || (uid && error.code === K8sErrorCode.CONFLICT)) {
          return { outcome: 'not-found', attempts: attempt };
        }
        if (error.code !== K8sErrorCode.TOO_MANY_REQUESTS) return { outcome: 'error', attempts: attempt, error };
        const serverHintMs = (error.retryAfterSeconds ?? 0) * 1000;
        const delay = Math.max(backoffDelay(this.#backoff, attempt - 1), serverHintMs);
        if (this.#clock.now() + delay > deadline) return { outcome: 'blocked-by-pdb', attempts: attempt, error };
        await this.#clock.sleep(delay, options.signal);
      }
    }
  }

  /** Delete a pod directly (no budget check). Returns false when it was already gone. */
  async deletePod(pod: PodRef, options: DeleteOptions = {}): Promise<boolean> {
    const { namespace, name, uid } = refOf(pod);
    const body: V1DeleteOptions = {};
    const grace = options.force ? 0 : options.gracePeriodSeconds;
    if (grace !== undefined) body.gracePeriodSeconds = grace;
    if (uid) body.preconditions = { uid };
    if (options.dryRun) body.dryRun = ['All'];
    try {
      await this.#client.core.deleteNamespacedPod({ name, namespace, body, gracePeriodSeconds: grace });
      return true;
    } catch (raw) {
      const error = toK8sError(raw, `delete pod ${namespace}/${name}`);
      if (error.code === K8sErrorCode.NOT_FOUND || (uid && error.code === K8sErrorCode.CONFLICT)) return false;
      throw error;
    }
  }
}
