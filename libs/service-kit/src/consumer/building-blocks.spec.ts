import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelayMs, resolveRetryPolicy, sleep } from './backoff.js';
import { LowWaterMark } from './low-water-mark.js';
import { PartitionScheduler } from './partition-scheduler.js';

describe('LowWaterMark', () => {
  it('equals the newest token whose predecessors all finished, for any completion order (also across compaction)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3000 }), fc.integer(), (count, seed) => {
        const mark = new LowWaterMark();
        const seqs = Array.from({ length: count }, (_, i) => mark.track(`t${i}`));
        // Deterministic shuffle from the seed.
        let state = seed >>> 0 || 1;
        const order = [...seqs];
        for (let i = order.length - 1; i > 0; i--) {
          state = (state * 1103515245 + 12345) >>> 0;
          const j = state % (i + 1);
          [order[i], order[j]] = [order[j], order[i]];
        }
        const done = new Set<number>();
        for (const seq of order.slice(0, Math.ceil(count * 0.7))) {
          mark.finish(seq);
          done.add(seq);
        }
        let contiguous = 0;
        while (done.has(contiguous)) contiguous++;
        expect(mark.eligible).toBe(contiguous === 0 ? undefined : `t${contiguous - 1}`);
        expect(mark.pending).toBe(count - contiguous);
      }),
      { numRuns: 40 },
    );
  });

  it('ignores duplicate and unknown finishes', () => {
    const mark = new LowWaterMark();
    const a = mark.track('a');
    mark.track('b');
    mark.finish(a);
    mark.finish(a);
    mark.finish(99);
    expect(mark.eligible).toBe('a');
    expect(mark.pending).toBe(1);
  });
});

describe('PartitionScheduler', () => {
  it('clearQueued drops only jobs that have not started', async () => {
    const scheduler = new PartitionScheduler(1);
    const ran: string[] = [];
    let release!: () => void;
    scheduler.submit('a', () => new Promise<void>((resolve) => (release = () => (ran.push('a1'), resolve()))));
    scheduler.submit('a', async () => void ran.push('a2'));
    scheduler.submit('b', async () => void ran.push('b1'));
    expect(scheduler.runningPartitions).toBe(1);
    expect(scheduler.clearQueued()).toBe(2);
    release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(ran).toEqual(['a1']);
    expect(scheduler.runningPartitions).toBe(0);
  });

  it('keeps a partition usable after a job throws', async () => {
    const scheduler = new PartitionScheduler(2);
    const ran: string[] = [];
    scheduler.submit('a', async () => {
      throw new Error('boom');
    });
    scheduler.submit('a', async () => void ran.push('after'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(ran).toEqual(['after']);
  });
});

describe('backoff', () => {
  it('grows exponentially up to the cap', () => {
    const policy = resolveRetryPolicy({ initialDelayMs: 100, maxDelayMs: 1000, multiplier: 3, jitter: false });
    expect([1, 2, 3, 4].map((n) => backoffDelayMs(policy, n))).toEqual([100, 300, 900, 1000]);
  });

  it('with jitter stays between half and all of the delay', () => {
    const policy = resolveRetryPolicy({ initialDelayMs: 100 });
    expect(backoffDelayMs(policy, 2, () => 0)).toBe(100);
    expect(backoffDelayMs(policy, 2, () => 0.999999)).toBeCloseTo(200, 3);
  });

  it('has documented defaults', () => {
    expect(resolveRetryPolicy()).toEqual({
      maxAttempts: 3,
      initialDelayMs: 200,
      maxDelayMs: 5000,
      multiplier: 2,
      jitter: true,
    });
  });

  it('sleep resolves false as soon as the signal aborts', async () => {
    const controller = new AbortController();
    const slept = sleep(60_000, controller.signal);
    controller.abort();
    expect(await slept).toBe(false);
    expect(await sleep(1, new AbortController().signal)).toBe(true);
  });
});
