import { describe, expect, it } from 'vitest';
import { ManualClock, settle } from '../testing/manual-clock.js';
import { TokenBucket } from './token-bucket.js';

describe('TokenBucket', () => {
  it('lets a burst through, then exactly qps tokens per second', async () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket({ qps: 5, burst: 10, clock });
    let granted = 0;
    for (let i = 0; i < 30; i++) void bucket.acquire().then(() => granted++);
    await settle();
    expect(granted).toBe(10);
    expect(bucket.waiting).toBe(20);
    await clock.advance(1_000);
    expect(granted).toBe(15);
    await clock.advance(2_000);
    expect(granted).toBe(25);
    await clock.advance(1_000);
    expect(granted).toBe(30);
  });

  it('refills up to burst only, after idle time', async () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket({ qps: 2, burst: 3, clock });
    for (let i = 0; i < 3; i++) expect(bucket.tryTake()).toBe(true);
    expect(bucket.tryTake()).toBe(false);
    await clock.advance(60_000);
    let taken = 0;
    while (bucket.tryTake()) taken++;
    expect(taken).toBe(3);
  });

  it('returns the token of an aborted waiter', async () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket({ qps: 1, burst: 1, clock });
    await bucket.acquire();
    const controller = new AbortController();
    const aborted = bucket.acquire(controller.signal);
    controller.abort(new Error('cancelled'));
    await expect(aborted).rejects.toThrow('cancelled');
    await clock.advance(1_000);
    expect(bucket.tryTake()).toBe(true);
  });

  it('rejects unusable settings with a config error', () => {
    expect(() => new TokenBucket({ qps: 0, burst: 1 })).toThrow(/NVS_ERR_K8S_CONFIG.*qps/);
    expect(() => new TokenBucket({ qps: 1, burst: 0 })).toThrow(/NVS_ERR_K8S_CONFIG.*burst/);
    expect(new TokenBucket({ qps: Infinity, burst: 1 }).reserve()).toBe(0);
  });
});
