import { describe, expect, it } from 'vitest';
import { ManualClock, settle } from '../testing/manual-clock.js';
import { ItemExponentialFailureRateLimiter } from './rate-limiters.js';
import { runWorkers } from './run-workers.js';
import { WorkQueue } from './work-queue.js';

function queue(clock = new ManualClock()): { q: WorkQueue<string>; clock: ManualClock } {
  return {
    q: new WorkQueue<string>({ clock, rateLimiter: new ItemExponentialFailureRateLimiter<string>(100, 1_000) }),
    clock,
  };
}

describe('WorkQueue', () => {
  it('hands keys out in FIFO order and ignores a key that is already waiting', async () => {
    const { q } = queue();
    q.add('a');
    q.add('b');
    q.add('a');
    expect(q.length).toBe(2);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
  });

  it('never hands out a key that is being processed; re-adds during processing run once after done', async () => {
    const { q } = queue();
    q.add('a');
    const first = await q.get();
    q.add('a');
    q.add('a');
    expect(q.length).toBe(0);
    let second: string | undefined;
    void q.get().then((k) => (second = k));
    await settle();
    expect(second).toBeUndefined();
    q.done(first!);
    await settle();
    expect(second).toBe('a');
    q.done('a');
    expect(q.length).toBe(0);
  });

  it('addAfter waits for the clock; shutDown cancels delayed adds', async () => {
    const { q, clock } = queue();
    q.addAfter('late', 500);
    q.addAfter('never', 5_000);
    expect(q.length).toBe(0);
    await clock.advance(499);
    expect(q.length).toBe(0);
    await clock.advance(1);
    expect(q.length).toBe(1);
    const drained = q.shutDown();
    expect(await q.get()).toBe('late');
    q.done('late');
    await drained;
    await clock.advance(10_000);
    expect(q.length).toBe(0);
    expect(q.delayedCount).toBe(0);
  });

  it('keeps one pending delayed add per key, the earliest (client-go AddAfter)', async () => {
    const { q, clock } = queue();
    q.addAfter('k', 500);
    q.addAfter('k', 2_000); // later: dropped
    q.addAfter('other', 2_000);
    expect(q.delayedCount).toBe(2);
    q.addAfter('k', 100); // earlier: replaces the 500 ms one
    expect(q.delayedCount).toBe(2);
    await clock.advance(100);
    expect(q.length).toBe(1);
    expect(await q.get()).toBe('k');
    q.done('k');
    await clock.advance(5_000); // neither the replaced 500 ms nor the dropped 2 s add fires for k
    expect(q.length).toBe(1);
    expect(await q.get()).toBe('other');
    q.done('other');
    expect(q.delayedCount).toBe(0);
  });

  it('a key woken early and requeued again does not run on two timer chains', async () => {
    const { q, clock } = queue();
    let calls = 0;
    const running = runWorkers(q, 1, async () => {
      calls++;
      return { requeueAfterMs: 10_000 };
    });
    q.add('node-1');
    await settle();
    await clock.advance(3_000);
    q.add('node-1'); // a wake-up between polls
    await settle();
    expect(calls).toBe(2);
    expect(q.delayedCount).toBe(1);
    await clock.advance(7_000); // the first poll is due: one attempt
    expect(calls).toBe(3);
    await clock.advance(3_000); // the wake-up's own 10 s poll was folded into the earlier one
    expect(calls).toBe(3);
    await clock.advance(7_000);
    expect(calls).toBe(4);
    await q.shutDown();
    await running;
  });

  it('addRateLimited backs off exponentially per key and forget resets it', async () => {
    const { q, clock } = queue();
    q.addRateLimited('k'); // 100 ms
    await clock.advance(100);
    expect(q.length).toBe(1);
    q.done((await q.get())!);
    q.addRateLimited('k'); // 200 ms
    await clock.advance(199);
    expect(q.length).toBe(0);
    await clock.advance(1);
    expect(q.length).toBe(1);
    expect(q.numRequeues('k')).toBe(2);
    q.forget('k');
    expect(q.numRequeues('k')).toBe(0);
  });

  it('other keys are not delayed by one failing key', async () => {
    const { q, clock } = queue();
    for (let i = 0; i < 5; i++) q.addRateLimited('bad'); // pushes bad's backoff up
    q.add('good');
    expect(await q.get()).toBe('good');
    await clock.advance(100);
    expect(q.length).toBe(1);
  });

  it('ignores adds after shutDown and releases waiting workers once drained', async () => {
    const { q } = queue();
    const waiting = q.get();
    const drained = q.shutDown();
    q.add('x');
    expect(await waiting).toBeUndefined();
    await drained;
    expect(q.length).toBe(0);
  });

  it('shutDown waits for in-flight keys, including one re-added while processing', async () => {
    const { q } = queue();
    q.add('a');
    const key = await q.get();
    q.add('a'); // dirty while processing
    let drained = false;
    const done = q.shutDown().then(() => (drained = true));
    await settle();
    expect(drained).toBe(false);
    q.done(key!);
    expect(await q.get()).toBe('a');
    expect(drained).toBe(false);
    q.done('a');
    await done;
    expect(drained).toBe(true);
  });
});

describe('WorkQueue metrics', () => {
  it('reports adds, depth, queue latency, work duration, retries and in-flight ages', async () => {
    const clock = new ManualClock();
    const log: string[] = [];
    const q = new WorkQueue<string>({
      name: 'kubernetes',
      clock,
      rateLimiter: new ItemExponentialFailureRateLimiter<string>(100, 1_000),
      metrics: {
        onAdd: (n) => log.push(`add:${n}`),
        onDepth: (_n, d) => log.push(`depth:${d}`),
        onQueueLatency: (_n, s) => log.push(`latency:${s}`),
        onWorkDuration: (_n, s) => log.push(`work:${s}`),
        onRetry: () => log.push('retry'),
      },
    });
    q.add('a');
    q.add('a'); // de-duplicated: no second add
    await clock.advance(2_000);
    const key = await q.get();
    await clock.advance(3_000);
    expect(q.longestRunningProcessorSeconds()).toBe(3);
    expect(q.unfinishedWorkSeconds()).toBe(3);
    q.addRateLimited('b');
    q.done(key!);
    expect(q.longestRunningProcessorSeconds()).toBe(0);
    expect(log).toEqual(['add:kubernetes', 'depth:1', 'depth:0', 'latency:2', 'retry', 'work:3']);
  });
});

describe('runWorkers', () => {
  it('processes each key with N workers, never one key on two workers at once', async () => {
    const { q, clock } = queue();
    const active = new Set<string>();
    const processed: string[] = [];
    let overlap = false;
    const gates = new Map<string, () => void>();
    const running = runWorkers(q, 3, async (key) => {
      if (active.has(key)) overlap = true;
      active.add(key);
      await new Promise<void>((resolve) => gates.set(key, resolve));
      active.delete(key);
      processed.push(key);
    });
    for (const k of ['a', 'b', 'c', 'd']) q.add(k);
    await settle();
    expect(active.size).toBe(3); // 3 workers busy, d waits
    q.add('a'); // re-add during processing
    gates.get('a')!();
    await settle();
    expect(active.has('a')).toBe(false);
    expect(active.has('d')).toBe(true);
    for (const k of ['b', 'c', 'd']) gates.get(k)!();
    await settle();
    expect(active.has('a')).toBe(true); // the re-added a runs again
    gates.get('a')!();
    await settle();
    const stopped = q.shutDown();
    await stopped;
    await running;
    expect(overlap).toBe(false);
    expect(processed.sort()).toEqual(['a', 'a', 'b', 'c', 'd']);
    void clock;
  });

  it('re-queues failures with backoff, forgets on success and drops after maxRetries', async () => {
    const { q, clock } = queue();
    const attempts = new Map<string, number>();
    const dropped: string[] = [];
    const running = runWorkers(
      q,
      1,
      async (key) => {
        const n = (attempts.get(key) ?? 0) + 1;
        attempts.set(key, n);
        if (key === 'flaky' && n < 3) throw new Error('not yet');
        if (key === 'broken') throw new Error('always');
      },
      { maxRetries: 2, onError: (key, _err, willRetry) => !willRetry && dropped.push(key) },
    );
    q.add('flaky');
    q.add('broken');
    await settle();
    await clock.advance(100);
    await clock.advance(200);
    await clock.advance(400);
    expect(attempts.get('flaky')).toBe(3);
    expect(q.numRequeues('flaky')).toBe(0); // forgotten after success
    expect(attempts.get('broken')).toBe(3);
    expect(dropped).toEqual(['broken']);
    await q.shutDown();
    await running;
  });

  it('honours requeueAfterMs from the handler', async () => {
    const { q, clock } = queue();
    let calls = 0;
    const running = runWorkers(q, 1, async () => {
      calls++;
      return calls === 1 ? { requeueAfterMs: 30_000 } : undefined;
    });
    q.add('node-1');
    await settle();
    expect(calls).toBe(1);
    await clock.advance(29_999);
    expect(calls).toBe(1);
    await clock.advance(1);
    expect(calls).toBe(2);
    await q.shutDown();
    await running;
  });
});
