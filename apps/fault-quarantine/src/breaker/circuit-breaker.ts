/**
 * Stops a runaway rule or monitor from cordoning the fleet. Trips when the distinct nodes
 * quarantined in the sliding window — plus nodes still quarantined from before it, because they
 * are still out of service — reach ceil(gpuNodes × percentage / 100). A trip is persisted and
 * never resets on its own (upstream): the operator deletes the ConfigMap and restarts.
 *
 * Admission is synchronous, so with many nodes handled in parallel the check and the count
 * update cannot interleave and the breaker never admits more nodes than the threshold.
 */
import { SlidingNodeWindow } from './sliding-window.js';

export type BreakerStatus = 'CLOSED' | 'TRIPPED';

export type Admission = { admitted: true; tripsNow: boolean } | { admitted: false; reason: 'tripped' | 'no-gpu-nodes' };

export interface CircuitBreakerOptions {
  percentage: number;
  durationMs: number;
  /** GPU nodes in the cluster (from the label-scoped node cache). */
  totalNodes(): number;
  /** Nodes currently quarantined by FQ (their quarantine annotation is set). */
  quarantinedNodes(): Iterable<string>;
  now?(): number;
  /** Called once when the breaker trips; persists TRIPPED. */
  onTrip?(): void;
}

export class CircuitBreaker {
  readonly #options: CircuitBreakerOptions;
  readonly #window: SlidingNodeWindow;
  #status: BreakerStatus = 'CLOSED';

  constructor(options: CircuitBreakerOptions) {
    this.#options = options;
    this.#window = new SlidingNodeWindow(options.durationMs);
  }

  get status(): BreakerStatus {
    return this.#status;
  }

  /** Restores a persisted state at start-up (a trip survives restarts). */
  restore(status: BreakerStatus): void {
    this.#status = status;
  }

  threshold(): number {
    return Math.ceil((this.#options.totalNodes() * this.#options.percentage) / 100);
  }

  /** Distinct nodes that count against the threshold now. */
  counted(): Set<string> {
    const now = this.#now();
    const nodes = new Set(this.#window.nodes(now));
    for (const node of this.#options.quarantinedNodes()) nodes.add(node);
    return nodes;
  }

  /** Fraction of the threshold in use, for `fault_quarantine_breaker_utilization`. */
  utilization(): number {
    const threshold = this.threshold();
    return threshold <= 0 ? 0 : this.counted().size / threshold;
  }

  /**
   * May FQ quarantine `node`? Admitting counts it. The admission that reaches the threshold
   * trips the breaker (that node is still quarantined; every later new node is refused).
   */
  admit(node: string): Admission {
    const counted = this.counted();
    // Idempotent: a node already counted is no new quarantine. Its write may run again (a
    // resourceVersion conflict with another writer of the node, a retried event) after the
    // breaker tripped, and refusing it then would leave an admitted node half-quarantined and
    // its event retried forever.
    if (counted.has(node)) return { admitted: true, tripsNow: false };
    if (this.#status === 'TRIPPED') return { admitted: false, reason: 'tripped' };
    const threshold = this.threshold();
    if (threshold <= 0) return { admitted: false, reason: 'no-gpu-nodes' };
    if (counted.size >= threshold) {
      this.#trip();
      return { admitted: false, reason: 'tripped' };
    }
    this.#window.add(node, this.#now());
    counted.add(node);
    const tripsNow = counted.size >= threshold;
    if (tripsNow) this.#trip();
    return { admitted: true, tripsNow };
  }

  #trip(): void {
    if (this.#status === 'TRIPPED') return;
    this.#status = 'TRIPPED';
    this.#options.onTrip?.();
  }

  #now(): number {
    return this.#options.now?.() ?? Date.now();
  }
}
