/**
 * The asynchronous Kubernetes mirror. Stored events are handed over without waiting, so a slow or
 * unreachable API server never slows ingest. Work is keyed by node in a de-duplicating work queue:
 * one node is never processed by two workers at once (per-node order is kept), and all events that
 * piled up for a node while it waited are applied together — one read-modify-write of the node
 * status for all its conditions, however many events arrived.
 *
 * What is mirrored (upstream's Kubernetes connector):
 * - STORE_ONLY and STORE_AND_ANALYSE events: nothing.
 * - fatal or healthy events: node condition of type checkName (see condition-message.ts).
 * - non-fatal unhealthy events: a node Event (namespace default), repeats counted on one Event.
 * Failures are retried with per-node backoff (500 ms → 3 s); memory is bounded by
 * `maxPendingEvents` (excess events are counted and not mirrored — the datastore has them).
 */
import type { V1Node, V1NodeCondition } from '@kubernetes/client-node';
import { ProcessingStrategy, type HealthEvent, type Timestamp } from '@nvsentinel/health-model';
import {
  EventRecorder,
  ItemExponentialFailureRateLimiter,
  NodeOps,
  WorkQueue,
  isNotFound,
  runWorkers,
  toApiTime,
  type KubeClient,
} from '@nvsentinel/k8s';
import type { Logger } from '@nvsentinel/service-kit';
import type { StoredEventSink } from '../ingest/ingest-pipeline.js';
import type { ConnectorMetrics } from '../metrics.js';
import { NO_HEALTH_FAILURES, applyEvents, eventMessage, parseEntries, renderMessage } from './condition-message.js';

export interface KubernetesMirrorOptions {
  client: KubeClient;
  metrics: ConnectorMetrics;
  logger: Logger;
  /** Nodes processed in parallel. Default 4. */
  workers?: number;
  /** Events waiting to be mirrored before new ones are dropped (counted). Default 100,000. */
  maxPendingEvents?: number;
  /** Attempts per batch of a node before it is given up (logged, counted). Default 5. */
  maxRetries?: number;
  /** Upstream MaxNodeConditionMessageLength. Default 1024. */
  maxConditionMessageBytes?: number;
  /** Upstream CompactedHealthEventMsgLen. Default 72. */
  compactedEntryBytes?: number;
  now?: () => Date;
}

interface NodeWork {
  conditionEvents: HealthEvent[];
  nodeEvents: HealthEvent[];
  attempts: number;
}

const NOT_MIRRORED = new Set([ProcessingStrategy.STORE_ONLY, ProcessingStrategy.STORE_AND_ANALYSE]);

export class KubernetesMirror implements StoredEventSink {
  readonly #options: KubernetesMirrorOptions;
  readonly #nodes: NodeOps;
  readonly #recorder: EventRecorder;
  readonly #queue: WorkQueue<string>;
  readonly #pending = new Map<string, NodeWork>();
  readonly #maxPending: number;
  readonly #maxRetries: number;
  #pendingEvents = 0;
  #inFlightEvents = 0;
  #workers: Promise<void> | undefined;
  #gaugeTimer: NodeJS.Timeout | undefined;
  #idleWaiters: Array<() => void> = [];

  constructor(options: KubernetesMirrorOptions) {
    this.#options = options;
    this.#nodes = new NodeOps(options.client, options.now ? { now: options.now } : {});
    this.#recorder = new EventRecorder(options.client, {
      component: 'platform-connectors',
      ...(options.now ? { now: options.now } : {}),
    });
    this.#maxPending = options.maxPendingEvents ?? 100_000;
    this.#maxRetries = options.maxRetries ?? 5;
    const m = options.metrics;
    this.#queue = new WorkQueue<string>({
      name: 'kubernetes',
      rateLimiter: new ItemExponentialFailureRateLimiter<string>(500, 3000),
      metrics: {
        onAdd: () => m.workqueueAdds.inc(),
        onDepth: (_q, depth) => m.workqueueDepth.set(depth),
        onQueueLatency: (_q, seconds) => m.workqueueLatency.observe(seconds),
        onWorkDuration: (_q, seconds) => m.workqueueWorkDuration.observe(seconds),
        onRetry: () => m.workqueueRetries.inc(),
      },
    });
  }

  /** Events accepted and not yet mirrored (waiting or being written). */
  get pendingEvents(): number {
    return this.#pendingEvents + this.#inFlightEvents;
  }

  start(): void {
    // client-go samples these two on a timer too: they describe work still running.
    this.#gaugeTimer ??= setInterval(() => {
      this.#options.metrics.workqueueUnfinishedWork.set(this.#queue.unfinishedWorkSeconds());
      this.#options.metrics.workqueueLongestRunning.set(this.#queue.longestRunningProcessorSeconds());
    }, 1000).unref();
    this.#workers ??= runWorkers(this.#queue, this.#options.workers ?? 4, (node) => this.#process(node), {
      onError: (node, err, willRetry) => {
        if (willRetry)
          this.#options.logger.warn({ err, node }, 'mirroring to Kubernetes failed; retrying with backoff');
      },
    });
  }

  enqueue(events: readonly HealthEvent[]): void {
    for (const event of events) {
      if (NOT_MIRRORED.has(event.processingStrategy)) continue;
      if (this.pendingEvents >= this.#maxPending) {
        this.#options.metrics.mirrorDroppedEvents.inc({ reason: 'queue_full' });
        continue;
      }
      let work = this.#pending.get(event.nodeName);
      if (!work) {
        work = { conditionEvents: [], nodeEvents: [], attempts: 0 };
        this.#pending.set(event.nodeName, work);
      }
      if (event.isFatal || event.isHealthy) work.conditionEvents.push(event);
      else work.nodeEvents.push(event);
      this.#pendingEvents++;
      this.#queue.add(event.nodeName);
    }
    this.#options.metrics.mirrorPendingEvents.set(this.pendingEvents);
  }

  /** Resolves once everything enqueued so far has been mirrored or given up (tests, shutdown). */
  whenIdle(): Promise<void> {
    if (this.pendingEvents === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Lets the queue drain for up to `graceMs`, then stops the workers. */
  async stop(graceMs = 5000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.whenIdle(), new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
    const dropped = this.#pendingEvents;
    this.#pending.clear();
    this.#pendingEvents = 0;
    if (dropped > 0)
      this.#options.logger.warn({ events: dropped }, 'shutdown: events left unmirrored (they are stored)');
    clearInterval(this.#gaugeTimer);
    await this.#queue.shutDown();
    await this.#workers;
  }

  async #process(node: string): Promise<void> {
    const work = this.#pending.get(node);
    if (!work) return;
    this.#pending.delete(node);
    const count = work.conditionEvents.length + work.nodeEvents.length;
    this.#pendingEvents -= count;
    this.#inFlightEvents += count;
    try {
      await this.#apply(node, work);
    } catch (err) {
      if (isNotFound(err)) {
        this.#options.logger.warn({ node, events: count }, 'node not found; its events are stored but not mirrored');
        this.#options.metrics.mirrorDroppedEvents.inc({ reason: 'node_not_found' }, count);
      } else if (work.attempts + 1 < this.#maxRetries) {
        this.#requeue(node, work);
        throw err;
      } else {
        this.#options.logger.error(
          { err, node, events: count },
          'giving up mirroring these events to Kubernetes (they are stored)',
        );
        this.#options.metrics.mirrorDroppedEvents.inc({ reason: 'retries_exhausted' }, count);
      }
    } finally {
      this.#inFlightEvents -= count;
      this.#options.metrics.mirrorPendingEvents.set(this.pendingEvents);
      if (this.pendingEvents === 0) this.#notifyIdle();
    }
  }

  /** Puts the unfinished part of `work` back in front of anything that arrived meanwhile. */
  #requeue(node: string, work: NodeWork): void {
    const newer = this.#pending.get(node);
    const merged: NodeWork = {
      conditionEvents: [...work.conditionEvents, ...(newer?.conditionEvents ?? [])],
      nodeEvents: [...work.nodeEvents, ...(newer?.nodeEvents ?? [])],
      attempts: work.attempts + 1,
    };
    this.#pending.set(node, merged);
    this.#pendingEvents += work.conditionEvents.length + work.nodeEvents.length;
  }

  async #apply(node: string, work: NodeWork): Promise<void> {
    if (work.conditionEvents.length > 0) {
      await this.#updateConditions(node, work.conditionEvents);
      work.conditionEvents = [];
    }
    while (work.nodeEvents.length > 0) {
      await this.#writeNodeEvent(work.nodeEvents[0]!);
      work.nodeEvents.shift();
    }
  }

  async #updateConditions(node: string, events: HealthEvent[]): Promise<void> {
    const started = performance.now();
    const byCheck = new Map<string, HealthEvent[]>();
    for (const event of sortByTime(events)) {
      const list = byCheck.get(event.checkName) ?? [];
      list.push(event);
      byCheck.set(event.checkName, list);
    }
    try {
      await this.#nodes.modifyStatus(
        node,
        (current) => ({ changed: this.#mergeConditions(current, byCheck), result: undefined }),
        `update health conditions of node ${node}`,
      );
    } catch (err) {
      this.#options.metrics.nodeConditionUpdates.inc({ status: 'failed' });
      throw err;
    }
    this.#options.metrics.nodeConditionUpdates.inc({ status: 'success' });
    this.#options.metrics.nodeConditionUpdateDurationMs.observe(performance.now() - started);
  }

  /** Applies each check's events to the freshly read node; true when anything changed. */
  #mergeConditions(node: V1Node, byCheck: Map<string, HealthEvent[]>): boolean {
    const conditions: V1NodeCondition[] = [...(node.status?.conditions ?? [])];
    let changed = false;
    for (const [checkName, events] of byCheck) {
      const latest = events[events.length - 1]!;
      const at = toApiTime(eventTime(latest.generatedTimestamp, this.#now()));
      const index = conditions.findIndex((c) => c.type === checkName);
      const existing = index >= 0 ? conditions[index] : undefined;
      const entries = applyEvents(parseEntries(existing?.message), events);
      const healthy = entries.length === 0;
      const next: V1NodeCondition = {
        type: checkName,
        status: healthy ? 'False' : 'True',
        reason: `${checkName}${healthy ? 'IsHealthy' : 'IsNotHealthy'}`,
        message: healthy
          ? NO_HEALTH_FAILURES
          : renderMessage(entries, {
              maxBytes: this.#options.maxConditionMessageBytes,
              compactedEntryBytes: this.#options.compactedEntryBytes,
            }).message,
        lastHeartbeatTime: at,
        lastTransitionTime:
          existing && existing.status === (healthy ? 'False' : 'True') ? existing.lastTransitionTime : at,
      };
      if (index >= 0) conditions[index] = next;
      else conditions.push(next);
      changed = true;
    }
    if (changed) node.status = { ...node.status, conditions };
    return changed;
  }

  async #writeNodeEvent(event: HealthEvent): Promise<void> {
    const started = performance.now();
    let operation = 'create';
    try {
      const result = await this.#recorder.record({
        involvedObject: { kind: 'Node', name: event.nodeName, uid: event.nodeName },
        type: event.checkName,
        reason: `${event.checkName}IsNotHealthy`,
        message: eventMessage(event),
        source: { component: event.agent, host: event.nodeName },
        namespace: 'default',
      });
      operation = result.created ? 'create' : 'update';
      this.#options.metrics.nodeEventOperations.inc({ node: event.nodeName, operation, status: 'success' });
    } catch (err) {
      this.#options.metrics.nodeEventOperations.inc({ node: event.nodeName, operation, status: 'failed' });
      throw err;
    } finally {
      this.#options.metrics.nodeEventDurationMs.observe(performance.now() - started);
    }
  }

  #now(): Date {
    return this.#options.now?.() ?? new Date();
  }

  #notifyIdle(): void {
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }
}

function eventTime(ts: Timestamp | undefined, fallback: Date): Date {
  return ts ? new Date(ts.seconds * 1000 + Math.floor(ts.nanos / 1e6)) : fallback;
}

/** Oldest first; events without a timestamp sort first (upstream's order), ties keep arrival order. */
function sortByTime(events: readonly HealthEvent[]): HealthEvent[] {
  const key = (e: HealthEvent): number =>
    e.generatedTimestamp ? e.generatedTimestamp.seconds * 1e9 + e.generatedTimestamp.nanos : -Infinity;
  return [...events].sort((a, b) => key(a) - key(b));
}
