/** A small seedable PRNG (mulberry32): the same seed always builds the same cluster. */
export class SeededRandom {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  integer(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.integer(items.length)]!;
  }

  /** Lowercase alphanumeric suffix like the ones ReplicaSets and DaemonSets generate. */
  suffix(length: number): string {
    const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
    let result = '';
    for (let i = 0; i < length; i += 1) result += alphabet[this.integer(alphabet.length)];
    return result;
  }

  hex(length: number): string {
    let result = '';
    for (let i = 0; i < length; i += 1) result += this.integer(16).toString(16);
    return result;
  }

  /** A UUID-shaped string derived from the seed (deterministic, unlike randomUUID). */
  uuid(): string {
    const h = this.hex(32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
}
