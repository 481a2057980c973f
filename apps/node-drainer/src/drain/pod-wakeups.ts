/**
 * Wakes waiting drains when the pods they wait for end, instead of leaving them to the next poll.
 *
 * While a node has a drain waiting on its pods (evicted pods terminating, AllowCompletion or
 * DeleteAfterTimeout pods running), one watch on `/api/v1/pods?fieldSelector=spec.nodeName=<node>`
 * keeps a small cache of that node's pods. Each waiting drain remembers which pods its wait is for
 * (`TrackedEvent.waitingOn`); when the last of them is deleted or reaches phase Succeeded/Failed,
 * the drain's event is queued at once. Nothing else wakes it: labels, readiness, or one pod of
 * several finishing cannot end a wait, so they cost no attempt (and no pod LIST).
 *
 * API cost: the watch is seeded with the pod list the waiting attempt has just made (its
 * resourceVersion is where the watch starts), so a drain pays one WATCH request for it, not a LIST
 * and a WATCH; the informer only lists again after the watch fails or its history expires. The
 * attempt a wake-up runs decides from the watch's cache rather than listing (`podsAfterWake`), so
 * the wake-up replaces the poll's LIST instead of adding one. The watch stops when the node has no
 * tracked events left, and on `stop()`.
 *
 * The polls stay as they were: a missed or failed watch only means the drain finishes at its next
 * poll, as without this.
 */
import type { V1Pod, V1PodList } from '@kubernetes/client-node';
import {
  type K8sError,
  type KubeClient,
  type ObjectChange,
  type PodOps,
  ResilientInformer,
  isTerminal,
} from '@nvsentinel/k8s';
import type { Logger } from '@nvsentinel/service-kit';
import type { DrainerMetrics } from '../metrics.js';
import type { TrackedEvent, Tracker, WaitedPod } from './tracker.js';

/** What drain attempts tell the pod watch, and ask of it. */
export interface WaitListener {
  /** The attempt waits for these pods to end; `seen` is the pod list it decided from. */
  waitFor(tracked: TrackedEvent, pods: readonly V1Pod[], seen: V1PodList): void;
  /**
   * For the first attempt after this event's wake-up: the node's pods from the watch's cache when
   * they are as good as a fresh list, else undefined (list them).
   */
  podsAfterWake(tracked: TrackedEvent): V1Pod[] | undefined;
}

export interface PodWakeupsDeps {
  kube: KubeClient;
  pods: PodOps;
  tracker: Tracker;
  metrics: DrainerMetrics;
  logger: Logger;
  /** Queue the event for an attempt now. */
  wake(eventId: string): void;
}

/** Failures in a row after which a node's pod watch is reported at warn level. */
const WARN_AFTER_FAILURES = 3;

interface NodeWatch {
  informer: ResilientInformer<V1Pod>;
  /** Failed list/watch attempts since the last delivered change. */
  failures: number;
  /** UIDs of every pod the cache has held: only a pod it has seen can be seen to end. */
  seen: Set<string>;
}

export class PodWakeups implements WaitListener {
  readonly #deps: PodWakeupsDeps;
  readonly #watches = new Map<string, NodeWatch>();
  #stopped = false;

  constructor(deps: PodWakeupsDeps) {
    this.#deps = deps;
  }

  /** Nodes whose pods are being watched. */
  get watchedNodes(): string[] {
    return [...this.#watches.keys()];
  }

  waitFor(tracked: TrackedEvent, pods: readonly V1Pod[], seen: V1PodList): void {
    tracked.waitingOn = pods.map(waitedPod);
    if (this.#stopped || tracked.waitingOn.length === 0) return;
    // The untrack that idled the node may have come before this attempt re-tracked it.
    if (this.#deps.tracker.get(tracked.id) !== tracked) return;
    const watch = this.#watches.get(tracked.node);
    if (!watch) {
      this.#start(tracked.node, seen);
      return;
    }
    // The pods may have ended between the attempt's list and now: the cache already shows it.
    if (watch.informer.synced) this.#wakeFinished(tracked.node, watch);
  }

  /**
   * The woken attempt may decide from the cache instead of spending a LIST on what the watch has
   * just shown: the cache has seen every awaited pod end, so it holds all the earlier attempt's
   * evictions and is as fresh as a list made at the wake-up. Only while the watch has not failed
   * since its last event, and only for a node's only drain (another drain's fresh evictions may
   * not have reached the cache yet).
   */
  podsAfterWake(tracked: TrackedEvent): V1Pod[] | undefined {
    const watch = this.#watches.get(tracked.node);
    if (!watch?.informer.synced || watch.failures > 0) return undefined;
    if (this.#deps.tracker.onNode(tracked.node).length !== 1) return undefined;
    return watch.informer.list();
  }

  /** The node has no tracked events left: stop watching its pods. */
  release(node: string): void {
    const watch = this.#watches.get(node);
    if (!watch) return;
    this.#watches.delete(node);
    this.#deps.metrics.podWatches.set(this.#watches.size);
    this.#deps.logger.debug({ node }, 'pod watch stopped: no drain left on the node');
    void watch.informer
      .stop()
      .catch((err: unknown) => this.#deps.logger.debug({ err, node }, 'stopping a pod watch failed'));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    const watches = [...this.#watches.values()];
    this.#watches.clear();
    this.#deps.metrics.podWatches.set(0);
    await Promise.all(watches.map((w) => w.informer.stop().catch(() => undefined)));
  }

  #start(node: string, seed: V1PodList): void {
    const { kube, pods } = this.#deps;
    let pendingSeed: V1PodList | undefined = seed;
    const informer = new ResilientInformer<V1Pod>({
      client: kube,
      path: '/api/v1/pods',
      fieldSelector: `spec.nodeName=${node}`,
      deserializeAs: 'V1Pod',
      // The first "list" is the one the waiting attempt just made; later ones (after a failed
      // watch or an expired resourceVersion) go to the API server.
      list: async () => {
        const list = pendingSeed;
        pendingSeed = undefined;
        return list ?? (await pods.podListOnNode(node));
      },
      onError: (err, restartInMs) => this.#onError(node, watch, err, restartInMs),
    });
    const watch: NodeWatch = { informer, failures: 0, seen: new Set() };
    this.#watches.set(node, watch);
    this.#deps.metrics.podWatches.set(this.#watches.size);
    informer.onChange((change) => {
      watch.failures = 0;
      const uid = change.object.metadata?.uid;
      if (uid && change.type !== 'delete') watch.seen.add(uid);
      if (endsPod(change)) this.#wakeFinished(node, watch);
    });
    informer.start();
    informer.waitForSync().then(
      () => this.#wakeFinished(node, watch),
      () => undefined, // stopped before the first list
    );
    this.#deps.logger.debug({ node }, 'pod watch started for a waiting drain');
  }

  /** Queues every drain on the node whose awaited pods have all ended. */
  #wakeFinished(node: string, watch: NodeWatch): void {
    if (this.#watches.get(node) !== watch) return;
    for (const tracked of this.#deps.tracker.onNode(node)) {
      const waitingOn = tracked.waitingOn;
      if (!waitingOn?.length || !waitingOn.every((pod) => hasEnded(watch, pod))) continue;
      tracked.waitingOn = undefined;
      tracked.wokenByPodWatch = true;
      this.#deps.metrics.podWatchWakeups.inc();
      this.#deps.logger.debug(
        { node, eventId: tracked.id, pods: waitingOn.map((p) => `${p.namespace}/${p.name}`) },
        'awaited pods ended; waking the drain',
      );
      this.#deps.wake(tracked.id);
    }
  }

  #onError(node: string, watch: NodeWatch, err: K8sError, restartInMs: number): void {
    if (this.#watches.get(node) !== watch) return;
    watch.failures += 1;
    const fields = { err, node, failures: watch.failures, restartInMs };
    if (watch.failures < WARN_AFTER_FAILURES) {
      this.#deps.logger.debug(fields, 'pod watch failed; restarting it');
      return;
    }
    this.#deps.logger.warn(
      fields,
      'watching the pods of a draining node keeps failing, so drains there only notice finished pods at their next poll ' +
        '(--poll-interval / --verify-interval). Fix: let node-drainer list and watch pods cluster-wide (ClusterRole verbs list, watch on pods) ' +
        'and check the API server is reachable; or turn the watch off with --pod-watch=false (DRAIN_POD_WATCH=false).',
    );
  }
}

function waitedPod(pod: V1Pod): WaitedPod {
  const meta = pod.metadata ?? {};
  return { namespace: meta.namespace ?? '', name: meta.name ?? '', ...(meta.uid ? { uid: meta.uid } : {}) };
}

/**
 * Seen by the cache, and now gone from it, replaced by a namesake, or finished. A pod the watch has
 * not delivered yet (created just before the attempt's list) has not ended: its ADDED, and its
 * end, are still to come.
 */
function hasEnded(watch: NodeWatch, waited: WaitedPod): boolean {
  if (waited.uid !== undefined && !watch.seen.has(waited.uid)) return false;
  const pod = watch.informer.get(waited.name, waited.namespace);
  return pod === undefined || (waited.uid !== undefined && pod.metadata?.uid !== waited.uid) || isTerminal(pod);
}

/** Changes that can end a wait: a deletion, a pod reaching Succeeded/Failed, a namesake replacing a pod. */
function endsPod(change: ObjectChange<V1Pod>): boolean {
  if (change.type === 'delete') return true;
  const { object, previous } = change;
  if (isTerminal(object) && !(previous && isTerminal(previous))) return true;
  return previous !== undefined && previous.metadata?.uid !== object.metadata?.uid;
}
