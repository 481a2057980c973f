import { type KubernetesListObject, type KubernetesObject, ListWatch } from '@kubernetes/client-node';
import type { KubeClient } from '../client/kube-client.js';
import type { ThrottledWatch } from '../client/throttled-watch.js';
import { type BackoffPolicy, backoffDelay } from '../internal/backoff.js';
import { type Clock, abortReason, systemClock } from '../internal/clock.js';
import { K8sError, K8sErrorCode, toK8sError } from '../errors.js';

export type ChangeType = 'add' | 'update' | 'delete';

export interface ObjectChange<T> {
  type: ChangeType;
  object: T;
  /** The cached version before this change (update and delete only). */
  previous?: T;
}

export interface ResilientInformerOptions<T extends KubernetesObject> {
  client: KubeClient;
  /** Collection path to watch, e.g. `/api/v1/nodes`. */
  path: string;
  /** Lists the collection (through the rate-limited typed API). */
  list: () => Promise<KubernetesListObject<T>>;
  /** Generated model name for typed watch objects (e.g. "V1Node"); raw JSON when omitted. */
  deserializeAs?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Restart backoff after list/watch failures. Default 200 ms doubling to 30 s. */
  backoff?: BackoffPolicy;
  clock?: Clock;
  /** Told about every failure before the restart is scheduled (log it; the informer recovers). */
  onError?(err: K8sError, restartInMs: number): void;
}

const DEFAULT_RESTART_BACKOFF: BackoffPolicy = { initialMs: 200, maxMs: 30_000, factor: 2, jitter: 0.2 };

const keyOf = (obj: KubernetesObject): string => `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;

/**
 * List+watch cache over client-node's `ListWatch`, adding what the stock informer leaves to the
 * caller: restart with backoff after errors (the stock one stops), a `waitForSync()` barrier, the
 * previous object on updates and deletes (so handlers can diff, e.g. detect a manual uncordon),
 * and watch streams that go through our rate limiter. Resume-from-resourceVersion and the
 * re-list on 410 Gone are ListWatch's own behaviour.
 */
export class ResilientInformer<T extends KubernetesObject> {
  readonly #options: ResilientInformerOptions<T>;
  readonly #clock: Clock;
  readonly #objects = new Map<string, T>();
  readonly #listeners = new Set<(change: ObjectChange<T>) => void>();
  readonly #listWatch: ListWatch<T>;
  readonly #watch: ThrottledWatch;
  #synced = false;
  #syncWaiters: Array<{ resolve: () => void; reject: (err: unknown) => void }> = [];
  #failures = 0;
  #started = false;
  #stopped = false;
  #restartAbort = new AbortController();

  constructor(options: ResilientInformerOptions<T>) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#watch = options.client.newWatch(options.deserializeAs);
    this.#listWatch = new ListWatch<T>(
      options.path,
      this.#watch,
      () => this.#list(),
      false,
      options.labelSelector,
      options.fieldSelector,
    );
    this.#listWatch.on('add', (obj) => this.#apply('add', obj));
    this.#listWatch.on('update', (obj) => this.#apply('update', obj));
    this.#listWatch.on('delete', (obj) => this.#apply('delete', obj));
    this.#listWatch.on('error', (err) => this.#onError(err));
  }

  /** True once the first list has been loaded into the cache. */
  get synced(): boolean {
    return this.#synced;
  }

  /** Start listing and watching; returns at once. Call `waitForSync()` to wait for the first list. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#run();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#restartAbort.abort();
    for (const waiter of this.#syncWaiters.splice(0)) {
      waiter.reject(
        new K8sError(K8sErrorCode.ABORTED, `the ${this.#options.path} informer was stopped before its first list`),
      );
    }
    await this.#listWatch.stop();
    this.#watch.close();
  }

  /**
   * Resolves when the first list is in the cache (failed attempts are retried meanwhile). Rejects
   * with NVS_ERR_K8S_ABORTED if the informer is stopped first or `signal` aborts.
   */
  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.#synced) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onAbort = (): void => reject(abortReason(signal!));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#syncWaiters.push({
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject,
      });
    });
  }

  get(name: string, namespace?: string): T | undefined {
    return this.#objects.get(`${namespace ?? ''}/${name}`);
  }

  list(): T[] {
    return [...this.#objects.values()];
  }

  /** Subscribe to changes; returns the unsubscribe function. */
  onChange(listener: (change: ObjectChange<T>) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #run(): void {
    // ListWatch reports list and watch failures through its error callback; anything else that
    // escapes (a bug) is routed there too rather than becoming an unhandled rejection.
    this.#listWatch.start().catch((err: unknown) => this.#onError(err));
  }

  async #list(): Promise<KubernetesListObject<T>> {
    const result = await this.#options.list();
    // ListWatch fills its cache (and calls our add/update handlers) synchronously right after
    // this promise settles; marking sync on the next macrotask guarantees the cache is loaded.
    setImmediate(() => this.#markSynced());
    return result;
  }

  #markSynced(): void {
    this.#failures = 0;
    if (this.#synced) return;
    this.#synced = true;
    for (const waiter of this.#syncWaiters.splice(0)) waiter.resolve();
  }

  #apply(type: ChangeType, object: T): void {
    const key = keyOf(object);
    const previous = this.#objects.get(key);
    if (type === 'delete') this.#objects.delete(key);
    else this.#objects.set(key, object);
    // A successful event proves the stream is healthy again.
    this.#failures = 0;
    const change: ObjectChange<T> = previous === undefined ? { type, object } : { type, object, previous };
    for (const listener of this.#listeners) {
      try {
        listener(change);
      } catch {
        // A failing handler must not stop the cache; handlers own their error reporting.
      }
    }
  }

  #onError(err: unknown): void {
    if (this.#stopped) return;
    const delay = backoffDelay(this.#options.backoff ?? DEFAULT_RESTART_BACKOFF, this.#failures);
    this.#failures += 1;
    this.#options.onError?.(toK8sError(err, `list/watch ${this.#options.path}`), delay);
    this.#clock.sleep(delay, this.#restartAbort.signal).then(
      () => {
        if (!this.#stopped) this.#run();
      },
      () => undefined, // stopped while waiting
    );
  }
}
