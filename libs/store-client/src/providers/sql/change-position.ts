/**
 * A change-stream position: the (transaction id, changelog id) of the last change seen. Changes
 * are read in that order and only below the transaction horizon, so everything at or before a
 * position has been seen — a pair is a complete bookmark. The token is its text form.
 */
import { DatastoreError } from '../../errors.js';

export interface ChangePosition {
  /** xid8 as decimal text. */
  readonly txid: string;
  /** changelog id as decimal text. */
  readonly id: string;
}

/** Negative, zero or positive as `a` is before, at or after `b` in (txid, id) order. */
export function comparePositions(a: ChangePosition, b: ChangePosition): number {
  const byTxid = BigInt(a.txid) - BigInt(b.txid);
  if (byTxid !== 0n) return byTxid < 0n ? -1 : 1;
  const byId = BigInt(a.id) - BigInt(b.id);
  return byId === 0n ? 0 : byId < 0n ? -1 : 1;
}

/** The earliest of the positions, or undefined when there are none. */
export function earliestPosition(positions: Iterable<ChangePosition | undefined>): ChangePosition | undefined {
  let earliest: ChangePosition | undefined;
  for (const p of positions) {
    if (p && (earliest === undefined || comparePositions(p, earliest) < 0)) earliest = p;
  }
  return earliest;
}

export function encodeResumeToken(position: ChangePosition): string {
  return `${position.txid}-${position.id}`;
}

export function decodeResumeToken(token: unknown, provider: string): ChangePosition {
  const match = typeof token === 'string' ? /^(\d{1,20})-(\d{1,20})$/.exec(token) : null;
  if (!match) {
    throw new DatastoreError(
      'resume_token',
      `malformed resume token ${JSON.stringify(token)}: pass the resumeToken of an event this provider delivered`,
      { provider },
    );
  }
  return { txid: match[1]!, id: match[2]! };
}

/**
 * The transactions that had already committed when a stream started at 'now' although they are
 * at or above the horizon (xmin ≤ txid < xmax, not in progress). Their changes happened before
 * "now" and are skipped; every other change from the start position on is delivered.
 */
export class StartSnapshot {
  readonly #xmin: bigint;
  readonly #xmax: bigint;
  readonly #inProgress: ReadonlySet<string>;

  constructor(xmin: string, xmax: string, inProgress: readonly string[]) {
    this.#xmin = BigInt(xmin);
    this.#xmax = BigInt(xmax);
    this.#inProgress = new Set(inProgress);
  }

  committedBeforeStart(txid: string): boolean {
    const t = BigInt(txid);
    return t >= this.#xmin && t < this.#xmax && !this.#inProgress.has(txid);
  }

  /** Once the stream reads past xmax, the snapshot cannot matter any more. */
  isBehind(txid: string): boolean {
    return BigInt(txid) >= this.#xmax;
  }
}
