/**
 * Distinct nodes seen within the last `durationMs`. Re-adding a node moves it to "now", so a
 * node counts once however many events it has. Equivalent to upstream's one-second buckets,
 * without the bucket rounding.
 */
export class SlidingNodeWindow {
  readonly #durationMs: number;
  /** Insertion order is last-seen order, so pruning stops at the first fresh entry. */
  readonly #lastSeen = new Map<string, number>();

  constructor(durationMs: number) {
    this.#durationMs = durationMs;
  }

  add(node: string, nowMs: number): void {
    this.#lastSeen.delete(node);
    this.#lastSeen.set(node, nowMs);
  }

  has(node: string, nowMs: number): boolean {
    this.#prune(nowMs);
    return this.#lastSeen.has(node);
  }

  nodes(nowMs: number): IterableIterator<string> {
    this.#prune(nowMs);
    return this.#lastSeen.keys();
  }

  #prune(nowMs: number): void {
    const oldest = nowMs - this.#durationMs;
    for (const [node, seen] of this.#lastSeen) {
      if (seen > oldest) break;
      this.#lastSeen.delete(node);
    }
  }
}
