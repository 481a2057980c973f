/**
 * CRs before bookkeeping. In a burst every remediation sends its CR and, once that is answered,
 * its outcome writes (node annotation and label, event status). Sent as soon as possible, the
 * outcome writes of early events queue in the API server (and the client's rate limiter) ahead of
 * later events' CRs. Here an attempt that has created its CR waits to write its outcome until no
 * other attempt is on its way to a CR — bounded, so outcome writes are never starved — and the
 * burst's CRs go out first. Crash safety is unchanged: a restart between the CR and the outcome
 * writes finishes the attempt (the CR name is derived from the event).
 */
export class CreationsFirst {
  readonly #maxWaitMs: number;
  #creating = 0;
  #waiting: Array<() => void> = [];

  /** `maxWaitMs`: the longest an outcome write waits for other attempts' CRs. */
  constructor(maxWaitMs: number) {
    this.#maxWaitMs = maxWaitMs;
  }

  /** Runs `work` (an attempt's way to its CR) counted as a creation in progress. */
  async creating<T>(work: () => Promise<T>): Promise<T> {
    this.#creating++;
    try {
      return await work();
    } finally {
      this.#creating--;
      if (this.#creating === 0) {
        const waiting = this.#waiting;
        this.#waiting = [];
        for (const wake of waiting) wake();
      }
    }
  }

  /** Resolves when no creation is in progress, or after `maxWaitMs`. */
  async idle(): Promise<void> {
    if (this.#creating === 0 || this.#maxWaitMs <= 0) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(done, this.#maxWaitMs);
      this.#waiting.push(done);
    });
  }
}
