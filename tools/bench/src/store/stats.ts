/** Small statistics helpers for the benchmarks. */
export function percentile(sortedMs: readonly number[], p: number): number {
  if (sortedMs.length === 0) return Number.NaN;
  const index = Math.min(sortedMs.length - 1, Math.max(0, Math.ceil((p / 100) * sortedMs.length) - 1));
  return sortedMs[index]!;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export function summarize(samplesMs: readonly number[]): LatencySummary {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? Number.NaN,
  };
}

export function ms(value: number): string {
  return `${value.toFixed(2)} ms`;
}

export function sleep(msToWait: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, msToWait));
}

/** Resolves at `performance.now() === at` (sleeping coarsely, then yielding), for paced load. */
export async function sleepUntil(at: number): Promise<void> {
  const wait = at - performance.now();
  if (wait > 2) await sleep(wait - 1);
  while (performance.now() < at) await new Promise<void>((resolve) => setImmediate(resolve));
}
