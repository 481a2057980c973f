/**
 * The events this process is draining, indexed by node, with the small per-event memory a drain
 * needs between attempts. Losing it (restart) is safe: it only saves API calls and dry-run
 * bookkeeping; the datastore and the cluster hold the truth.
 */
export interface TrackedEvent {
  id: string;
  node: string;
  createdAt: Date;
  /** Set once the node carries the `draining` state label for this drain. */
  labelledDraining: boolean;
  /** Last node Event message recorded, so an unchanged wait does not cost an API call per poll. */
  lastEventMessage?: string;
  /** Attempts in a row blocked by a PodDisruptionBudget (drives the backoff). */
  blockedAttempts: number;
  /** Pod UIDs a dry-run eviction or delete has "removed". */
  dryRunHandled: Set<string>;
  /**
   * The pods the drain's current wait is for (set by the attempt that decided to wait, cleared when
   * the next attempt starts): once every one has ended, the pod watch wakes the drain early.
   */
  waitingOn?: WaitedPod[];
  /** Set when the pod watch wakes the drain; the next attempt may then read the watch's cache instead of listing. */
  wokenByPodWatch?: boolean;
}

/** A pod a waiting drain needs gone or finished; the UID tells it from a same-named replacement. */
export interface WaitedPod {
  namespace: string;
  name: string;
  uid?: string;
}

export interface TrackerOptions {
  /** Called when the last tracked event of a node is untracked (its pod watch can stop). */
  onNodeIdle?(node: string): void;
}

export class Tracker {
  readonly #events = new Map<string, TrackedEvent>();
  readonly #byNode = new Map<string, Set<string>>();
  readonly #options: TrackerOptions;

  constructor(options: TrackerOptions = {}) {
    this.#options = options;
  }

  track(id: string, node: string, createdAt: Date): TrackedEvent {
    let entry = this.#events.get(id);
    if (!entry) {
      entry = { id, node, createdAt, labelledDraining: false, blockedAttempts: 0, dryRunHandled: new Set() };
      this.#events.set(id, entry);
      let ids = this.#byNode.get(node);
      if (!ids) this.#byNode.set(node, (ids = new Set()));
      ids.add(id);
    }
    return entry;
  }

  get(id: string): TrackedEvent | undefined {
    return this.#events.get(id);
  }

  untrack(id: string): void {
    const entry = this.#events.get(id);
    if (!entry) return;
    this.#events.delete(id);
    const ids = this.#byNode.get(entry.node);
    ids?.delete(id);
    if (ids?.size === 0) {
      this.#byNode.delete(entry.node);
      this.#options.onNodeIdle?.(entry.node);
    }
  }

  /** Tracked events on the node, optionally only those created at or before `cutoff`. */
  onNode(node: string, cutoff?: Date): TrackedEvent[] {
    const ids = this.#byNode.get(node) ?? new Set<string>();
    return [...ids]
      .map((id) => this.#events.get(id)!)
      .filter((e) => cutoff === undefined || e.createdAt.getTime() <= cutoff.getTime());
  }

  get size(): number {
    return this.#events.size;
  }
}
