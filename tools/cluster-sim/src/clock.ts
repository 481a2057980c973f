/**
 * Simulated time. The cluster's clock runs `timeScale` times faster than real time, so a pod with
 * a 30 s grace period disappears after 30 s of *simulated* time — 300 ms of real time at
 * timeScale 100. Timestamps written into objects use simulated time, so they stay consistent with
 * the delays clients observe.
 */
export class SimClock {
  readonly timeScale: number;
  readonly #realStart: number;
  readonly #simStart: number;
  readonly #timers = new Set<NodeJS.Timeout>();
  #disposed = false;

  constructor(timeScale = 1, start: Date = new Date()) {
    if (!(timeScale > 0) || !Number.isFinite(timeScale)) {
      throw new Error(
        `cluster-sim: timeScale must be a positive number (1 = real time, 100 = 100x faster), got ${timeScale}`,
      );
    }
    this.timeScale = timeScale;
    this.#realStart = Date.now();
    this.#simStart = start.getTime();
  }

  now(): Date {
    return new Date(this.#simStart + (Date.now() - this.#realStart) * this.timeScale);
  }

  /** Kubernetes timestamps have second precision (RFC 3339, no fraction). */
  timestamp(offsetSeconds = 0): string {
    const at = new Date(this.now().getTime() + offsetSeconds * 1000);
    return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  /** Microsecond-precision timestamp (MicroTime), as Lease renewTime and events.k8s.io use. */
  microTimestamp(): string {
    return this.now().toISOString().replace(/Z$/, '000Z');
  }

  /** Runs `task` after `simSeconds` of simulated time. Timers die with the simulator. */
  after(simSeconds: number, task: () => void): { cancel(): void } {
    if (this.#disposed) return { cancel() {} };
    const timer = setTimeout(
      () => {
        this.#timers.delete(timer);
        task();
      },
      Math.max(0, (simSeconds * 1000) / this.timeScale),
    );
    this.#timers.add(timer);
    return {
      cancel: () => {
        clearTimeout(timer);
        this.#timers.delete(timer);
      },
    };
  }

  dispose(): void {
    this.#disposed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }
}
