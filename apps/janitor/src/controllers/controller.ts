/**
 * A controller-runtime style loop for one janitor CR kind: a watch on the CRs feeds a per-key
 * WorkQueue, `workers` reconcile in parallel (never two on one CR), each reconcile reads the CR
 * from the watch cache (plus janitor's own not-yet-delivered writes) and says when to look again. CRs are also woken by changes to their Node
 * (a Ready flip ends a readiness wait at once instead of at the next poll) and by another CR
 * releasing the node's lock.
 */
import {
  type CustomObject,
  type CustomObjectWatch,
  CustomObjectOps,
  type CustomResourceRef,
  type KubeClient,
  WorkQueue,
  runWorkers,
  watchCustomObjects,
} from '@nvsentinel/k8s';
import type { Logger } from '@nvsentinel/service-kit';
import { nodeNameOf } from './api.js';
import type { WriteMemo } from './context.js';

export interface ReconcileResult {
  requeueAfterMs?: number;
}

export interface Reconciler<T extends CustomObject<unknown, unknown>> {
  /** Bring the world and `object`'s status one step closer to the spec. Must be idempotent. */
  reconcile(object: T): Promise<ReconcileResult | void>;
  /** Whether node changes (or a released node lock) may move this object on; false once finished. */
  waitsOnNode(object: T): boolean;
}

export interface ControllerOptions {
  name: string;
  ref: CustomResourceRef;
  workers: number;
  logger: Logger;
  memo: WriteMemo;
}

export class Controller<T extends CustomObject<unknown, unknown>> {
  readonly name: string;
  readonly ref: CustomResourceRef;
  readonly #client: KubeClient;
  readonly #ops: CustomObjectOps;
  readonly #reconciler: Reconciler<T>;
  readonly #options: ControllerOptions;
  readonly #queue: WorkQueue<string>;
  /** node name → CR names, kept from the watch, for waking the CRs of a node. */
  readonly #byNode = new Map<string, Set<string>>();
  #watch: CustomObjectWatch<T> | undefined;
  #workers: Promise<void> | undefined;

  constructor(client: KubeClient, reconciler: Reconciler<T>, options: ControllerOptions) {
    this.name = options.name;
    this.ref = options.ref;
    this.#client = client;
    this.#ops = new CustomObjectOps(client);
    this.#reconciler = reconciler;
    this.#options = options;
    this.#queue = new WorkQueue<string>({ name: options.name });
  }

  /** Cached view of the CRs (for the webhook's duplicate check and TTL). Empty before `start`. */
  list(): T[] {
    return this.#watch?.list() ?? [];
  }

  get watch(): CustomObjectWatch<T> | undefined {
    return this.#watch;
  }

  /** Start watching (and caching) the CRs without reconciling: followers keep a warm cache. */
  async startWatch(signal?: AbortSignal): Promise<void> {
    if (this.#watch) return;
    this.#watch = watchCustomObjects<T>(
      this.#client,
      this.ref,
      (change) => {
        const name = change.object.metadata?.name;
        if (!name) return;
        const node = nodeNameOf(change.object);
        if (node) {
          if (change.type === 'delete') this.#byNode.get(node)?.delete(name);
          else {
            let names = this.#byNode.get(node);
            if (!names) this.#byNode.set(node, (names = new Set()));
            names.add(name);
          }
        }
        if (this.#workers) this.#queue.add(name);
      },
      {
        onError: (err, restartInMs) =>
          this.#options.logger.warn({ err, restartInMs, controller: this.name }, 'CR watch failed; restarting'),
      },
    );
    await this.#watch.waitForSync(signal);
  }

  /** Run the reconcile workers (the leader does this); every cached CR is queued once. */
  async start(signal?: AbortSignal): Promise<void> {
    await this.startWatch(signal);
    if (this.#workers) return;
    this.#workers = runWorkers(this.#queue, this.#options.workers, (name) => this.#reconcileByName(name), {
      onError: (name, err, willRetry) =>
        this.#options.logger.warn({ err, controller: this.name, object: name, willRetry }, 'reconcile failed'),
    });
    for (const object of this.#watch!.list()) this.#queue.add(object.metadata!.name!);
  }

  /** Wake the CRs of `nodeName` that are still waiting on it. */
  wakeNode(nodeName: string): void {
    if (!this.#workers) return;
    for (const name of this.#byNode.get(nodeName) ?? []) {
      const object = this.#watch?.get(name);
      if (object && this.#reconciler.waitsOnNode(object)) this.#queue.add(name);
    }
  }

  enqueue(name: string, afterMs = 0): void {
    if (this.#workers) this.#queue.addAfter(name, afterMs);
  }

  async #reconcileByName(name: string): Promise<{ requeueAfterMs?: number } | void> {
    const cached = this.#watch?.get(name);
    const object = cached ? this.#options.memo.freshest(this.ref, cached) : await this.#ops.get<T>(this.ref, name);
    if (!object) {
      this.#options.memo.forget(this.ref, name);
      return;
    }
    const result = await this.#reconciler.reconcile(object);
    return result?.requeueAfterMs !== undefined ? { requeueAfterMs: result.requeueAfterMs } : undefined;
  }

  async stop(): Promise<void> {
    await this.#queue.shutDown();
    await this.#workers;
    await this.#watch?.stop();
  }
}
