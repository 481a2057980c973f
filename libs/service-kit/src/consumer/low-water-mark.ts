/**
 * Tracks events in stream order and answers "what is the newest token such that it and every
 * earlier event are finished?" — the only token safe to checkpoint when events finish out of
 * order. Checkpointing anything newer could skip an unfinished event after a crash.
 */
export class LowWaterMark {
  #tokens: string[] = [];
  #finished: boolean[] = [];
  /** Sequence number of `#tokens[0]`. */
  #base = 0;
  /** Index of the oldest unfinished entry. */
  #head = 0;
  #eligible: string | undefined;

  /** Registers the next event in stream order; returns its sequence number. */
  track(token: string): number {
    this.#tokens.push(token);
    this.#finished.push(false);
    return this.#base + this.#tokens.length - 1;
  }

  /** Marks one event finished and advances the mark over every contiguous finished event. */
  finish(seq: number): void {
    const index = seq - this.#base;
    if (index < this.#head || index >= this.#tokens.length) return;
    this.#finished[index] = true;
    while (this.#head < this.#tokens.length && this.#finished[this.#head]) {
      this.#eligible = this.#tokens[this.#head];
      this.#head++;
    }
    this.#compact();
  }

  /** Newest checkpoint-safe token, or undefined when nothing has finished contiguously yet. */
  get eligible(): string | undefined {
    return this.#eligible;
  }

  /** Tracked events at or after the mark (unfinished, or finished behind an unfinished one). */
  get pending(): number {
    return this.#tokens.length - this.#head;
  }

  #compact(): void {
    // Drop the finished prefix in chunks so memory follows the pending window, not the stream length.
    if (this.#head >= 1024 && this.#head * 2 >= this.#tokens.length) {
      this.#tokens = this.#tokens.slice(this.#head);
      this.#finished = this.#finished.slice(this.#head);
      this.#base += this.#head;
      this.#head = 0;
    }
  }
}
