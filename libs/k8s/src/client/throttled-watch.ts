import { type KubeConfig, Watch } from '@kubernetes/client-node';
import type { TokenBucket } from './token-bucket.js';
import { describeRequest, type RequestMetricsHooks } from './request-metrics.js';
import { deserializeAs } from './serializer.js';

export interface ThrottledWatchOptions {
  limiter: TokenBucket;
  hooks: RequestMetricsHooks;
  /** Generated model name (e.g. "V1Node") to deserialize watched objects into; raw JSON if omitted. */
  deserializeAs?: string;
  /**
   * Server-side watch timeout range in seconds. Like client-go's reflector we pick a random value
   * so that many watchers do not reconnect in lockstep; the informer resumes from the last
   * resourceVersion when the server ends the stream.
   */
  timeoutSecondsRange?: [number, number];
}

// client-node's Watch callback types (its objects are untyped JSON until deserialised).
type WatchCallback = (phase: string, apiObj: unknown, watchObj?: unknown) => void;
type DoneCallback = (err: unknown) => void;

/**
 * client-node's `Watch` talks to the server with its own fetch, bypassing the HttpLibrary that
 * our rate limiter wraps; `makeInformer` also builds a private Watch. This subclass takes a token
 * before opening each stream, asks for bookmarks, and reports the open to the metrics hooks, so
 * informers built on it (see `ResilientInformer`) obey the same QPS budget as everything else.
 */
export class ThrottledWatch extends Watch {
  readonly #options: ThrottledWatchOptions;
  readonly #closing = new AbortController();
  readonly #open = new Set<AbortController>();

  constructor(kubeConfig: KubeConfig, options: ThrottledWatchOptions) {
    super(kubeConfig);
    this.#options = options;
  }

  /**
   * Abort every open stream and any stream still waiting for a token. ListWatch.stop() only
   * aborts the stream it already holds, so one that was still waiting for a token (or connecting)
   * when the informer stopped would otherwise stay open until the server timed it out.
   */
  close(): void {
    this.#closing.abort();
    for (const controller of this.#open) controller.abort();
    this.#open.clear();
  }

  override async watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: WatchCallback,
    done: DoneCallback,
  ): Promise<AbortController> {
    let throttledMs: number;
    try {
      throttledMs = await this.#options.limiter.acquire(this.#closing.signal);
    } catch {
      return abortedController();
    }
    if (this.#closing.signal.aborted) return abortedController();
    const [minTimeout, maxTimeout] = this.#options.timeoutSecondsRange ?? [300, 600];
    const params = {
      allowWatchBookmarks: true,
      timeoutSeconds: Math.floor(minTimeout + Math.random() * (maxTimeout - minTimeout)),
      ...queryParams,
    };
    const typeName = this.#options.deserializeAs;
    const wrapped: WatchCallback = typeName
      ? (phase, obj, raw) => callback(phase, phase === 'ERROR' ? obj : deserializeAs(obj, typeName), raw)
      : callback;
    let failure: { statusCode?: number } | undefined;
    let finished = false;
    // Declared apart from its assignment: the done callback may run before super.watch resolves,
    // and must then see `undefined`, not a temporal-dead-zone error.
    let controller: AbortController | undefined;
    const started = performance.now();
    // eslint-disable-next-line prefer-const
    controller = await super.watch(path, params, wrapped, (err: unknown) => {
      finished = true;
      if (controller) this.#open.delete(controller);
      if (err) failure = err as { statusCode?: number };
      done(err);
    });
    if (this.#closing.signal.aborted) controller.abort();
    else if (!finished) this.#open.add(controller);
    this.#options.hooks.onRequest?.({
      ...describeRequest('GET', `${path}?watch=true`),
      statusCode: failure ? failure.statusCode : 200,
      throttledMs,
      durationMs: performance.now() - started,
    });
    return controller;
  }
}

function abortedController(): AbortController {
  const controller = new AbortController();
  controller.abort();
  return controller;
}
