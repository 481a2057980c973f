/**
 * "Did you mean …?" for error messages that name a misspelt flag, key or field: the known word the
 * given one most plausibly misspells. Lives beside the error base because it exists to make an
 * error name its fix.
 */

export interface ClosestMatchOptions {
  /** Compare after this mapping (e.g. ignore case and `_`/`-`); a normalised equal wins outright. */
  normalize?: (word: string) => string;
  /** Further than this many edits is a different word, not a typo. Default 2. */
  maxEdits?: number;
}

/** The candidate within `maxEdits` edits of `word` (fewest edits, first on a tie), or undefined. */
export function closestMatch(
  word: string,
  candidates: readonly string[],
  options: ClosestMatchOptions = {},
): string | undefined {
  const normalize = options.normalize ?? ((s: string) => s);
  const target = normalize(word);
  const equal = candidates.find((c) => normalize(c) === target);
  if (equal !== undefined) return equal;
  let best: string | undefined;
  let bestEdits = (options.maxEdits ?? 2) + 1;
  for (const candidate of candidates) {
    const edits = editDistance(target, normalize(candidate));
    if (edits < bestEdits) {
      best = candidate;
      bestEdits = edits;
    }
  }
  return best;
}

/** Levenshtein distance (insertions, deletions, substitutions), two rows of memory. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
