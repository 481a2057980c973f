/** What every janitor reconciler shares: clients, the node lock, the provider, timing and metrics. */
import { PatchStrategy, type V1Node, setHeaderOptions } from '@kubernetes/client-node';
import {
  type CustomObject,
  CustomObjectOps,
  type CustomResourceRef,
  type KubeClient,
  K8sErrorCode,
  NodeCache,
  toK8sError,
} from '@nvsentinel/k8s';
import type { Logger } from '@nvsentinel/service-kit';
import type { JanitorMetrics } from '../metrics.js';
import type { CspProvider } from '../providers/provider.js';
import type { NodeLock } from './node-lock.js';

/**
 * Upstream's requeue delays (`rebootnode_controller.go`, `terminatenode_controller.go`). The
 * readiness polls are a fallback: a change to the CR's Node wakes it at once.
 */
export interface ControllerTiming {
  /** Lock held by another CR (upstream 2 s); a release also wakes the waiters. */
  lockRetryMs: number;
  /** After a signal was sent (upstream 30 s). */
  afterSignalMs: number;
  /** A transient provider error while sending (upstream 30 s). */
  signalRetryMs: number;
  /** A transient provider error while checking readiness (upstream 15 s). */
  readinessRetryMs: number;
  /** Between readiness checks (upstream 60 s; TerminateNode 30 s). */
  readinessPollMs: number;
  terminatePollMs: number;
  /** GPUReset: between checks of the teardown, the reset Job and the restore. */
  gpuResetPollMs: number;
  /**
   * Not upstream: how long a `Sending` intent is taken to mean "a signal call is in flight" (in
   * another replica, or this one before a crash) before it may be sent again. Longer than a
   * provider call's deadline.
   */
  signalInFlightMs: number;
}

export const UPSTREAM_TIMING: ControllerTiming = {
  lockRetryMs: 2_000,
  afterSignalMs: 30_000,
  signalRetryMs: 30_000,
  readinessRetryMs: 15_000,
  readinessPollMs: 60_000,
  terminatePollMs: 30_000,
  gpuResetPollMs: 5_000,
  signalInFlightMs: 60_000,
};

export interface ReconcileContext {
  kube: KubeClient;
  objects: CustomObjectOps;
  nodes: NodeCache;
  lock: NodeLock;
  provider: CspProvider;
  metrics: JanitorMetrics;
  logger: Logger;
  namespace: string;
  timing: ControllerTiming;
  now(): Date;
  /** Tell every controller a node's lock was released, so CRs waiting for it retry now. */
  lockReleased(nodeName: string): void;
  /** Our own writes the watch caches may not have delivered yet (see `WriteMemo`). */
  written: WriteMemo;
}

/**
 * Reconciles read CRs from the watch cache (no GET per pass). Right after janitor writes a CR,
 * the cache may still hold the version before the write; the memo keeps the written object until
 * the cache catches up, so the next pass starts from what janitor wrote. Anything else that
 * changed the CR meanwhile makes the next write a conflict, which is retried from fresh state.
 */
export class WriteMemo {
  readonly #entries = new Map<string, { before: string | undefined; object: CustomObject<unknown, unknown> }>();

  record(ref: CustomResourceRef, before: CustomObject<unknown, unknown>, after: CustomObject<unknown, unknown>): void {
    this.#entries.set(`${ref.plural}/${after.metadata?.name}`, {
      before: before.metadata?.resourceVersion,
      object: after,
    });
  }

  /** The freshest known version of a cached object. */
  freshest<T extends CustomObject<unknown, unknown>>(ref: CustomResourceRef, cached: T): T {
    const key = `${ref.plural}/${cached.metadata?.name}`;
    const entry = this.#entries.get(key);
    if (!entry) return cached;
    const rv = cached.metadata?.resourceVersion;
    if (rv === entry.before && cached.metadata?.uid === entry.object.metadata?.uid) return entry.object as T;
    this.#entries.delete(key);
    return cached;
  }

  forget(ref: CustomResourceRef, name: string): void {
    this.#entries.delete(`${ref.plural}/${name}`);
  }
}

/** The Node from the watch cache, or from the API when the cache does not have it (yet). */
export async function getNode(context: ReconcileContext, name: string): Promise<V1Node | undefined> {
  return context.nodes.get(name) ?? readNode(context.kube, name);
}

/** The Node, fresh from the API (the cache may trail a reboot by a watch event), or undefined. */
export async function readNode(kube: KubeClient, name: string): Promise<V1Node | undefined> {
  try {
    return await kube.core.readNode({ name });
  } catch (err) {
    const error = toK8sError(err, `get node ${name}`);
    if (error.code === K8sErrorCode.NOT_FOUND) return undefined;
    throw error;
  }
}

export function bootIdOf(node: V1Node | undefined): string {
  return node?.status?.nodeInfo?.bootID ?? '';
}

/**
 * Write the status if it changed, as a compare-and-swap on the resourceVersion that was read, so
 * a reconcile working from an outdated copy (or a second replica) fails instead of overwriting.
 */
export async function writeStatus<T extends CustomObject<unknown, unknown>>(
  context: ReconcileContext,
  ref: CustomResourceRef,
  object: T,
  status: Record<string, unknown>,
): Promise<T> {
  if (JSON.stringify(status) === JSON.stringify(object.status ?? {})) return object;
  const written = await context.objects.patchStatus<T>(
    ref,
    object.metadata!.name!,
    status,
    object.metadata!.resourceVersion,
  );
  context.written.record(ref, object, written);
  return written;
}

/**
 * Whether a provider error may pass if retried: the gRPC codes upstream treats so (Unavailable 14,
 * DeadlineExceeded 4) and catalogue errors marked retryable.
 */
export function isTransientProviderError(err: unknown): boolean {
  const e = err as { code?: unknown; retryable?: unknown } | undefined;
  if (e?.retryable === true) return true;
  return e?.code === 14 || e?.code === 4 || e?.code === 'UNAVAILABLE' || e?.code === 'DEADLINE_EXCEEDED';
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Replace metadata.finalizers (merge patch with the resourceVersion read, so a concurrent change
 * is a conflict, not a lost finalizer). Returns the updated object.
 */
export async function setFinalizers<T extends CustomObject<unknown, unknown>>(
  context: ReconcileContext,
  ref: CustomResourceRef,
  object: T,
  finalizers: string[],
): Promise<T> {
  const body = { metadata: { finalizers, resourceVersion: object.metadata!.resourceVersion } };
  const patched = (await context.kube.customObjects.patchClusterCustomObject(
    { group: ref.group, version: ref.version, plural: ref.plural, name: object.metadata!.name!, body },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  )) as T;
  context.written.record(ref, object, patched);
  return patched;
}

export function hasFinalizer(object: CustomObject<unknown, unknown>, finalizer: string): boolean {
  return object.metadata?.finalizers?.includes(finalizer) ?? false;
}
