/**
 * TEST ONLY (see match-js.ts). MongoDB's comparison order across BSON types for decoded canonical values (the in-process twin
 * of nvsq_rank/nvsq_cmp): missing < null < numbers < strings < objects < arrays < booleans < dates.
 */
import { isPlainObject } from '../../query/sql/encode.js';

export function bsonRank(v: unknown): number {
  if (v === undefined) return 0;
  if (v === null) return 1;
  if (typeof v === 'number') return 2;
  if (typeof v === 'string') return 3;
  if (v instanceof Date) return 9;
  if (Array.isArray(v)) return 5;
  if (typeof v === 'boolean') return 8;
  return 4;
}

/** Binary (UTF-8 code unit order matches UTF-16 except surrogates; compare code points). */
function compareStrings(a: string, b: string): number {
  const ca = Array.from(a);
  const cb = Array.from(b);
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
    const d = (ca[i].codePointAt(0) as number) - (cb[i].codePointAt(0) as number);
    if (d !== 0) return Math.sign(d);
  }
  return Math.sign(ca.length - cb.length);
}

/** jsonb's key order: shorter keys first, then bytewise — how stored objects are iterated. */
function jsonbKeyOrder(a: string, b: string): number {
  const la = Buffer.byteLength(a);
  const lb = Buffer.byteLength(b);
  return la !== lb ? la - lb : Buffer.compare(Buffer.from(a), Buffer.from(b));
}

export function bsonCompare(a: unknown, b: unknown): number {
  const ra = bsonRank(a);
  const rb = bsonRank(b);
  if (ra !== rb) return Math.sign(ra - rb);
  switch (ra) {
    case 0:
    case 1:
      return 0;
    case 2:
      return Math.sign((a as number) - (b as number));
    case 3:
      return compareStrings(a as string, b as string);
    case 9:
      return Math.sign((a as Date).getTime() - (b as Date).getTime());
    case 8:
      return a === b ? 0 : a ? 1 : -1;
    case 5: {
      const x = a as unknown[];
      const y = b as unknown[];
      for (let i = 0; i < Math.min(x.length, y.length); i++) {
        const c = bsonCompare(x[i], y[i]);
        if (c !== 0) return c;
      }
      return Math.sign(x.length - y.length);
    }
    default: {
      const x = a as Record<string, unknown>;
      const y = b as Record<string, unknown>;
      const kx = Object.keys(x)
        .filter((k) => x[k] !== undefined)
        .sort(jsonbKeyOrder);
      const ky = Object.keys(y)
        .filter((k) => y[k] !== undefined)
        .sort(jsonbKeyOrder);
      for (let i = 0; i < Math.min(kx.length, ky.length); i++) {
        let c = Math.sign(bsonRank(x[kx[i]]) - bsonRank(y[ky[i]]));
        if (c !== 0) return c;
        c = compareStrings(kx[i], ky[i]);
        if (c !== 0) return c;
        c = bsonCompare(x[kx[i]], y[ky[i]]);
        if (c !== 0) return c;
      }
      return Math.sign(kx.length - ky.length);
    }
  }
}

/** Value equality: numbers numerically, dates by instant, objects regardless of key order (as jsonb). */
export function bsonEquals(a: unknown, b: unknown): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (isPlainObject(a) !== isPlainObject(b)) return false;
  return bsonCompare(a, b) === 0;
}
