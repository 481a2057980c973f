/**
 * The in-process twin of the SQL filter compiler, for differential tests only (see match-js.ts).
 */
import { matchDocument } from './match-js.js';

/** Same filter semantics as `compileFilter`, evaluated on a decoded canonical document. */
export function matchesFilter(filter: Record<string, unknown>, doc: unknown): boolean {
  return matchDocument(filter, doc);
}
