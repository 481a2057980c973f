import { type CoreV1Event, PatchStrategy, type V1ObjectReference, setHeaderOptions } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import type { KubeClient } from '../client/kube-client.js';
import { K8sErrorCode, toK8sError } from '../errors.js';
import { toApiTime } from '../nodes/conditions.js';

export interface EventInput {
  /** The object the event is about; for nodes `{ kind: 'Node', name }` (upstream also sets uid = name). */
  involvedObject: V1ObjectReference;
  reason: string;
  message: string;
  /** `Normal` or `Warning` by convention; platform-connectors uses the check name. */
  type: string;
  action?: string;
  /** Overrides the recorder's component/host for this event. */
  source?: { component?: string; host?: string };
  /** Namespace to write the Event in; defaults to the object's, or `default` for cluster-scoped objects. */
  namespace?: string;
}

export interface RecordResult {
  /** Name of the Event object written. */
  name: string;
  namespace: string;
  /** False when an existing Event was updated (count incremented) instead. */
  created: boolean;
  count: number;
}

export interface EventRecorderOptions {
  /** `source.component` / `reportingComponent`, e.g. `nvsentinel-node-drainer`. */
  component: string;
  host?: string;
  /** Repeats within this window update the existing Event. Default 10 min (client-go's aggregation window). */
  windowMs?: number;
  /** Bound on remembered Events (LRU). Default 4096, like client-go's correlator cache. */
  maxEntries?: number;
  now?: () => Date;
}

interface Remembered {
  name: string;
  namespace: string;
  count: number;
  firstSeenMs: number;
}

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/**
 * Records core/v1 Events with client-go EventRecorder's de-duplication: an identical event (same
 * object, type, reason, message, action and source) seen again within the window bumps `count` and
 * `lastTimestamp` on the existing Event with one PATCH instead of creating another object. This is
 * also the cheap path upstream wanted for the drainer (#1597): no LIST per event.
 */
export class EventRecorder {
  readonly #client: KubeClient;
  readonly #options: Required<Omit<EventRecorderOptions, 'host' | 'now'>> & Pick<EventRecorderOptions, 'host' | 'now'>;
  readonly #seen = new Map<string, Remembered>();
  /** Per-key chain so concurrent identical events serialise into create-then-patch, not two creates. */
  readonly #inFlight = new Map<string, Promise<unknown>>();

  constructor(client: KubeClient, options: EventRecorderOptions) {
    this.#client = client;
    this.#options = { windowMs: 10 * 60_000, maxEntries: 4096, ...options };
  }

  record(input: EventInput): Promise<RecordResult> {
    const key = this.#keyOf(input);
    const previous = this.#inFlight.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.#record(key, input));
    this.#inFlight.set(key, next);
    const cleanup = (): void => {
      if (this.#inFlight.get(key) === next) this.#inFlight.delete(key);
    };
    next.then(cleanup, cleanup);
    return next;
  }

  #now(): Date {
    return this.#options.now?.() ?? new Date();
  }

  #keyOf(input: EventInput): string {
    const o = input.involvedObject;
    const source = { component: this.#options.component, host: this.#options.host, ...input.source };
    return JSON.stringify([
      this.#namespaceOf(input),
      o.apiVersion ?? '',
      o.kind ?? '',
      o.namespace ?? '',
      o.name ?? '',
      o.uid ?? '',
      input.type,
      input.reason,
      input.message,
      input.action ?? '',
      source.component ?? '',
      source.host ?? '',
    ]);
  }

  #namespaceOf(input: EventInput): string {
    return input.namespace ?? input.involvedObject.namespace ?? 'default';
  }

  async #record(key: string, input: EventInput): Promise<RecordResult> {
    const now = this.#now();
    const known = this.#seen.get(key);
    if (known && now.getTime() - known.firstSeenMs <= this.#options.windowMs) {
      const updated = await this.#increment(known, now);
      if (updated) {
        this.#remember(key, known);
        return { name: known.name, namespace: known.namespace, created: false, count: known.count };
      }
      // The Event expired server-side (TTL) or was deleted: start a new one.
    }
    const created = await this.#create(input, now);
    this.#remember(key, { name: created.name, namespace: created.namespace, count: 1, firstSeenMs: now.getTime() });
    return { ...created, created: true, count: 1 };
  }

  async #increment(known: Remembered, now: Date): Promise<boolean> {
    const count = known.count + 1;
    try {
      await this.#client.core.patchNamespacedEvent(
        { name: known.name, namespace: known.namespace, body: { count, lastTimestamp: toApiTime(now) } },
        mergePatch,
      );
      known.count = count;
      return true;
    } catch (err) {
      if (toK8sError(err).code === K8sErrorCode.NOT_FOUND) return false;
      throw toK8sError(err, `update event ${known.namespace}/${known.name}`);
    }
  }

  async #create(input: EventInput, now: Date): Promise<{ name: string; namespace: string }> {
    const namespace = this.#namespaceOf(input);
    const component = input.source?.component ?? this.#options.component;
    const host = input.source?.host ?? this.#options.host;
    const at = toApiTime(now);
    for (let attempt = 0; ; attempt++) {
      // Like client-go: `<object>.<unique hex>`; random bits avoid clashes between replicas. The
      // prefix is cut so the name stays within the 253 characters an object name may have.
      const suffix = (
        BigInt(now.getTime()) * 1_000_000n +
        BigInt(randomBytes(3).readUIntBE(0, 3) % 1_000_000)
      ).toString(16);
      const name = `${(input.involvedObject.name ?? 'event').slice(0, 252 - suffix.length)}.${suffix}`;
      const body: CoreV1Event = {
        metadata: { name, namespace },
        involvedObject: input.involvedObject,
        reason: input.reason,
        message: input.message,
        type: input.type,
        action: input.action,
        source: { component, ...(host ? { host } : {}) },
        reportingComponent: component,
        reportingInstance: host ?? '',
        count: 1,
        firstTimestamp: at,
        lastTimestamp: at,
      };
      try {
        await this.#client.core.createNamespacedEvent({ namespace, body });
        return { name, namespace };
      } catch (err) {
        const error = toK8sError(
          err,
          `create event for ${input.involvedObject.kind ?? 'object'} ${input.involvedObject.name ?? ''}`,
        );
        if (error.code !== K8sErrorCode.ALREADY_EXISTS || attempt >= 3) throw error;
      }
    }
  }

  #remember(key: string, entry: Remembered): void {
    this.#seen.delete(key);
    this.#seen.set(key, entry);
    while (this.#seen.size > this.#options.maxEntries) {
      const oldest = this.#seen.keys().next().value;
      if (oldest === undefined) break;
      this.#seen.delete(oldest);
    }
  }
}
