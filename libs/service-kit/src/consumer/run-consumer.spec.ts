import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMetricsRegistry } from '../server/metrics.js';
import { captureLogger } from '../testing/capture-logger.js';
import { MemoryEventLog, type MemoryEvent } from '../testing/memory-change-stream.js';
import { consumerReadinessCheck } from './consumer-readiness.js';
import { runConsumer } from './run-consumer.js';
import type { Consumer, ConsumerOptions } from './types.js';

/** Polls until the assertion holds; the generous bound only matters on a heavily loaded machine. */
const eventually = <T>(assertion: () => T | Promise<T>) => vi.waitFor(assertion, { timeout: 10_000 });

interface Payload {
  node: string;
}
type Event = MemoryEvent<Payload>;

/** A promise the test resolves or rejects by hand. */
function gate() {
  let open!: () => void;
  let fail!: (error: Error) => void;
  const promise = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

/** Handler whose calls block until the test releases them, recording start order and concurrency. */
function controlledHandler() {
  const gates = new Map<number, ReturnType<typeof gate>>();
  const started: number[] = [];
  const finished: number[] = [];
  let running = 0;
  let maxRunning = 0;
  const gateFor = (seq: number) => {
    let g = gates.get(seq);
    if (!g) gates.set(seq, (g = gate()));
    return g;
  };
  return {
    started,
    finished,
    get maxRunning() {
      return maxRunning;
    },
    release: (...seqs: number[]) => seqs.forEach((s) => gateFor(s).open()),
    failOnce: (seq: number, error = new Error(`handler failed for ${seq}`)) => gateFor(seq).fail(error),
    handle: async (event: Event) => {
      started.push(event.seq);
      running++;
      maxRunning = Math.max(maxRunning, running);
      try {
        await gateFor(event.seq).promise;
        finished.push(event.seq);
      } finally {
        running--;
      }
    },
  };
}

const byNode = (event: Event) => event.payload.node;
const tokenOf = (seq: number) => `tok-${String(seq).padStart(6, '0')}`;

let consumers: Consumer[] = [];
afterEach(async () => {
  await Promise.all(consumers.map((c) => c.stop().catch(() => {})));
  consumers = [];
});

function start(
  stream: ReturnType<MemoryEventLog<Payload>['open']>,
  options: Omit<ConsumerOptions<Event>, 'name'> & { name?: string },
): Consumer {
  const consumer = runConsumer(stream, {
    name: 'test-consumer',
    retry: { initialDelayMs: 1, jitter: false },
    ...options,
  });
  consumers.push(consumer);
  return consumer;
}

describe('runConsumer: ordering and parallelism', () => {
  it('handles everything in stream order by default and checkpoints the last token', async () => {
    const log = new MemoryEventLog<Payload>();
    log.append(...['a', 'b', 'a', 'c', 'b'].map((node) => ({ node })));
    const seen: number[] = [];
    const stream = log.open('fq');
    const consumer = start(stream, { handle: async (e) => void seen.push(e.seq) });
    await eventually(() => expect(log.checkpoints.get('fq')).toBe(tokenOf(5)));
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    await consumer.stop();
    expect(stream.closed).toBe(true);
    expect(consumer.stats()).toMatchObject({ pulled: 5, processed: 5, failed: 0, inFlight: 0, checkpoint: tokenOf(5) });
  });

  it('keeps events of one key strictly in order while different keys run in parallel', async () => {
    const log = new MemoryEventLog<Payload>();
    // seq:          1    2    3    4    5    6
    log.append(...['a', 'b', 'a', 'c', 'b', 'a'].map((node) => ({ node })));
    const h = controlledHandler();
    start(log.open('nd'), { handle: h.handle, partitionKey: byNode, concurrency: 3 });

    // The first event of each key starts at once; later events of a key wait for the earlier one.
    await eventually(() => expect(h.started).toEqual([1, 2, 4]));
    h.release(2); // b#2 done -> b#5 may start, a#3 still waits for a#1
    await eventually(() => expect(h.started).toEqual([1, 2, 4, 5]));
    h.release(1);
    await eventually(() => expect(h.started).toEqual([1, 2, 4, 5, 3]));
    h.release(3, 4, 5);
    await eventually(() => expect(h.started).toContain(6));
    h.release(6);
    await eventually(() => expect(h.finished).toHaveLength(6));
    const order = (node: string) => h.finished.filter((seq) => log.events[seq - 1].payload.node === node);
    expect(order('a')).toEqual([1, 3, 6]);
    expect(order('b')).toEqual([2, 5]);
  });

  it('never runs more partitions than `concurrency`, nor one key twice at once', async () => {
    const log = new MemoryEventLog<Payload>();
    log.append(...Array.from({ length: 40 }, (_, i) => ({ node: `n${i % 7}` })));
    const running = new Map<string, number>();
    let maxTotal = 0;
    let total = 0;
    const consumer = start(log.open('c'), {
      partitionKey: byNode,
      concurrency: 3,
      handle: async (e) => {
        const key = e.payload.node;
        running.set(key, (running.get(key) ?? 0) + 1);
        expect(running.get(key)).toBe(1);
        maxTotal = Math.max(maxTotal, ++total);
        await new Promise((resolve) => setImmediate(resolve));
        total--;
        running.set(key, running.get(key)! - 1);
      },
    });
    await eventually(() => expect(consumer.stats().processed).toBe(40));
    expect(maxTotal).toBe(3);
  });

  it('does not let one busy key starve the others', async () => {
    const log = new MemoryEventLog<Payload>();
    log.append(...Array.from({ length: 5 }, () => ({ node: 'hot' })), { node: 'cold' });
    const h = controlledHandler();
    start(log.open('c'), { handle: h.handle, partitionKey: byNode, concurrency: 1 });
    await eventually(() => expect(h.started).toEqual([1]));
    h.release(1);
    // After one hot event the cold key's turn comes before the next hot event.
    await eventually(() => expect(h.started).toEqual([1, 6]));
    h.release(2, 3, 4, 5, 6);
  });
});

describe('runConsumer: low-water-mark checkpoint', () => {
  it('checkpoints only past events whose predecessors all finished', async () => {
    const log = new MemoryEventLog<Payload>();
    log.append({ node: 'a' }, { node: 'b' }, { node: 'c' }, { node: 'd' });
    const h = controlledHandler();
    start(log.open('c'), { handle: h.handle, partitionKey: byNode, concurrency: 4 });
    await eventually(() => expect(h.started).toHaveLength(4));

    h.release(3, 2);
    await eventually(() => expect(h.finished).toEqual([3, 2]));
    await new Promise((resolve) => setImmediate(resolve));
    expect(log.markCalls).toEqual([]); // event 1 unfinished: nothing is safe yet

    h.release(1);
    await eventually(() => expect(log.checkpoints.get('c')).toBe(tokenOf(3)));
    h.release(4);
    await eventually(() => expect(log.checkpoints.get('c')).toBe(tokenOf(4)));
    expect(log.markCalls.map((m) => m.token)).toEqual([tokenOf(3), tokenOf(4)]);
  });

  it('has at most one markProcessed in flight and coalesces to the newest token', async () => {
    const log = new MemoryEventLog<Payload>();
    log.append(...Array.from({ length: 6 }, (_, i) => ({ node: `n${i}` })));
    const slowMark = gate();
    let marksInFlight = 0;
    let maxMarksInFlight = 0;
    log.beforeMark = async () => {
      maxMarksInFlight = Math.max(maxMarksInFlight, ++marksInFlight);
      await slowMark.promise;
      marksInFlight--;
    };
    const h = controlledHandler();
    start(log.open('c'), { handle: h.handle, partitionKey: byNode, concurrency: 6 });
    await eventually(() => expect(h.started).toHaveLength(6));
    h.release(1);
    await eventually(() => expect(log.markCalls).toHaveLength(1)); // saving tok 1, blocked
    h.release(2, 3, 4, 5, 6);
    await eventually(() => expect(h.finished).toHaveLength(6));
    slowMark.open();
    await eventually(() => expect(log.checkpoints.get('c')).toBe(tokenOf(6)));
    expect(log.markCalls.map((m) => m.token)).toEqual([tokenOf(1), tokenOf(6)]);
    expect(maxMarksInFlight).toBe(1);
  });

  it('with checkpointIntervalMs saves at most once per interval, and stop() still saves the newest', async () => {
    const log = new MemoryEventLog<Payload>();
    const consumer = start(log.open('c'), { handle: () => {}, checkpointIntervalMs: 60_000 });
    log.append({ node: 'a' });
    await eventually(() => expect(log.markCalls).toHaveLength(1));
    log.append({ node: 'b' }, { node: 'c' });
    await eventually(() => expect(consumer.stats().processed).toBe(3));
    await new Promise((resolve) => setImmediate(resolve));
    expect(log.markCalls.map((m) => m.token)).toEqual([tokenOf(1)]);
    await consumer.stop();
    expect(log.markCalls.map((m) => m.token)).toEqual([tokenOf(1), tokenOf(3)]);
  });

  it('keeps going when markProcessed fails and saves the newest token on the next chance', async () => {
    const log = new MemoryEventLog<Payload>();
    const registry = createMetricsRegistry({ defaultMetrics: false });
    let failNext = true;
    log.beforeMark = () => {
      if (failNext) {
        failNext = false;
        throw new Error('store unavailable');
      }
    };
    const stream = log.open('c');
    const consumer = start(stream, { handle: () => {}, registry });
    log.append({ node: 'a' });
    await eventually(() => expect(log.markCalls).toHaveLength(1));
    expect(log.checkpoints.has('c')).toBe(false);
    log.append({ node: 'b' });
    await eventually(() => expect(log.checkpoints.get('c')).toBe(tokenOf(2)));
    expect(await registry.metrics()).toContain(
      'nvsentinel_consumer_checkpoint_failures_total{consumer="test-consumer"} 1',
    );
    await consumer.stop();
  });

  it('after a permanent failure (not marked) a restart redelivers from that event on', async () => {
    const log = new MemoryEventLog<Payload>();
    log.append(...['a', 'b', 'c', 'd', 'e'].map((node) => ({ node })));
    const attempts = new Map<number, number>();
    const first = start(log.open('hea'), {
      partitionKey: byNode,
      concurrency: 2,
      retry: { maxAttempts: 2, initialDelayMs: 1, jitter: false },
      isPermanentError: () => true,
      handle: (e) => {
        attempts.set(e.seq, (attempts.get(e.seq) ?? 0) + 1);
        if (e.seq === 2) throw new Error('poison');
      },
    });
    await eventually(() => expect(first.stats()).toMatchObject({ processed: 4, failed: 1, blockingCheckpoint: 1 }));
    expect(attempts.get(2)).toBe(1); // permanent: not retried
    await first.stop();
    expect(log.checkpoints.get('hea')).toBe(tokenOf(1));

    // Restart with a fixed handler: event 2 and everything after it come again (at-least-once).
    const seen: number[] = [];
    const second = start(log.open('hea'), { handle: (e) => void seen.push(e.seq) });
    await eventually(() => expect(log.checkpoints.get('hea')).toBe(tokenOf(5)));
    expect(seen).toEqual([2, 3, 4, 5]);
    await second.stop();
  });

  it('with markProcessedOnError the checkpoint passes a failed event', async () => {
    const log = new MemoryEventLog<Payload>();
    log.append({ node: 'a' }, { node: 'b' }, { node: 'c' });
    const registry = createMetricsRegistry({ defaultMetrics: false });
    const consumer = start(log.open('fq'), {
      markProcessedOnError: true,
      registry,
      retry: { maxAttempts: 1 },
      isPermanentError: () => true,
      handle: (e) => {
        if (e.seq === 2) throw new Error('bad event');
      },
    });
    await eventually(() => expect(log.checkpoints.get('fq')).toBe(tokenOf(3)));
    expect(consumer.stats()).toMatchObject({ processed: 2, failed: 1, blockingCheckpoint: 0 });
    const text = await registry.metrics();
    expect(text).toContain('nvsentinel_consumer_events_failed_total{consumer="test-consumer"} 1');
    expect(text).toContain('nvsentinel_consumer_events_processed_total{consumer="test-consumer"} 2');
  });
});

describe('runConsumer: retries', () => {
  it('retries with backoff and succeeds within the attempt budget', async () => {
    const log = new MemoryEventLog<Payload>();
    log.append({ node: 'a' });
    const registry = createMetricsRegistry({ defaultMetrics: false });
    const attempts: number[] = [];
    const consumer = start(log.open('c'), {
      registry,
      retry: { maxAttempts: 3, initialDelayMs: 1, jitter: false },
      handle: (_e, ctx) => {
        attempts.push(ctx.attempt);
        if (ctx.attempt < 3) throw new Error('transient');
      },
    });
    await eventually(() => expect(consumer.stats().processed).toBe(1));
    expect(attempts).toEqual([1, 2, 3]);
    expect(await registry.metrics()).toContain('nvsentinel_consumer_handler_retries_total{consumer="test-consumer"} 2');
    expect(await registry.metrics()).toContain(
      'nvsentinel_consumer_handler_duration_seconds_count{consumer="test-consumer"} 3',
    );
  });

  it('keeps retrying a failing event past maxAttempts: blocking and not ready meanwhile, then recovered', async () => {
    const log = new MemoryEventLog<Payload>();
    log.append({ node: 'gpu-7' });
    const logs = captureLogger();
    let attempts = 0;
    let release = false;
    const consumer = start(log.open('c'), {
      logger: logs.logger,
      partitionKey: byNode,
      retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 5, jitter: false },
      handle: () => {
        attempts++;
        if (!release) throw new Error('datastore unreachable');
      },
    });
    const ready = consumerReadinessCheck(consumer);
    await eventually(() => expect(consumer.stats().blockingCheckpoint).toBe(1));
    expect((await ready()).ok).toBe(false);
    const line = logs.lines.find(
      (l) => l.msg === 'handler keeps failing; retrying until it succeeds (the checkpoint waits, readiness is false)',
    );
    expect(line).toMatchObject({
      module: 'consumer',
      consumer: 'test-consumer',
      err: {
        code: 'NVS_ERR_CONSUMER_HANDLER_FAILED',
        message: `Handler failed for event ${tokenOf(1)} (partition gpu-7) after 2 attempt(s): datastore unreachable`,
      },
    });
    expect(logs.messages('warn')).toContain('handler failed; retrying');
    await eventually(() => expect(attempts).toBeGreaterThan(4));
    release = true;
    await eventually(() => expect(consumer.stats().processed).toBe(1));
    expect(consumer.stats()).toMatchObject({ failed: 0, blockingCheckpoint: 0 });
    expect((await ready()).ok).toBe(true);
    await eventually(() => expect(log.checkpoints.get('c')).toBe(tokenOf(1)));
  });

  it('a permanent error ends the event as failed at once, with the catalogue code', async () => {
    const log = new MemoryEventLog<Payload>();
    log.append({ node: 'gpu-7' });
    const logs = captureLogger();
    const consumer = start(log.open('c'), {
      logger: logs.logger,
      partitionKey: byNode,
      isPermanentError: (err) => (err as Error).message.startsWith('invalid'),
      handle: () => {
        throw new Error('invalid rule');
      },
    });
    await eventually(() => expect(consumer.stats().failed).toBe(1));
    const line = logs.lines.find((l) => l.msg === 'handler failed permanently');
    expect(line).toMatchObject({ err: { code: 'NVS_ERR_CONSUMER_HANDLER_FAILED' } });
  });
});

describe('runConsumer: cold start', () => {
  it('handles scanned events before streamed ones, in order per partition, without moving the checkpoint', async () => {
    const log = new MemoryEventLog<Payload>();
    log.append({ node: 'gpu-1' });
    const handled: string[] = [];
    const scanned = [
      { resumeToken: '', payload: { node: 'gpu-1' }, label: 'scan-a' },
      { resumeToken: '', payload: { node: 'gpu-1' }, label: 'scan-b' },
    ];
    const consumer = start(log.open('c'), {
      partitionKey: (e) => (e as { payload: Payload }).payload.node,
      concurrency: 4,
      coldStart: async function* () {
        for (const e of scanned) yield e as never;
      },
      handle: (e) => {
        handled.push((e as { label?: string }).label ?? e.resumeToken);
      },
    });
    await eventually(() => expect(handled).toEqual(['scan-a', 'scan-b', tokenOf(1)]));
    await eventually(() => expect(log.checkpoints.get('c')).toBe(tokenOf(1)));
    expect(consumer.stats().processed).toBe(3);
  });

  it('starts a failed scan over until it completes', async () => {
    const log = new MemoryEventLog<Payload>();
    const handled: string[] = [];
    let scans = 0;
    start(log.open('c'), {
      retry: { initialDelayMs: 1, maxDelayMs: 2, jitter: false },
      coldStart: async function* () {
        scans++;
        yield { resumeToken: '', label: `first-of-scan-${scans}` } as never;
        if (scans < 3) throw new Error('datastore unreachable');
        yield { resumeToken: '', label: 'last' } as never;
      },
      handle: (e) => {
        handled.push((e as unknown as { label: string }).label);
      },
    });
    await eventually(() => expect(handled).toContain('last'));
    expect(scans).toBe(3);
  });
});

describe('runConsumer: backpressure', () => {
  it('stops pulling while maxInFlight events are unsettled and resumes as they finish', async () => {
    const log = new MemoryEventLog<Payload>();
    log.append(...Array.from({ length: 10 }, (_, i) => ({ node: `n${i}` })));
    const stream = log.open('c');
    const h = controlledHandler();
    const registry = createMetricsRegistry({ defaultMetrics: false });
    start(stream, { handle: h.handle, partitionKey: byNode, concurrency: 2, maxInFlight: 3, registry });
    await eventually(() => expect(h.started).toEqual([1, 2]));
    await new Promise((resolve) => setImmediate(resolve));
    expect(stream.pulled).toBe(3); // 2 running + 1 queued; the other 7 stay in the stream
    expect(await registry.metrics()).toContain('nvsentinel_consumer_events_in_flight{consumer="test-consumer"} 3');

    h.release(1);
    await eventually(() => expect(stream.pulled).toBe(4));
    await new Promise((resolve) => setImmediate(resolve));
    expect(stream.pulled).toBe(4);
    h.release(...Array.from({ length: 10 }, (_, i) => i + 1));
    await eventually(() => expect(h.finished).toHaveLength(10));
    await eventually(async () =>
      expect(await registry.metrics()).toContain('nvsentinel_consumer_events_in_flight{consumer="test-consumer"} 0'),
    );
  });
});

describe('runConsumer: stopping', () => {
  it('stop() drops queued events, waits for running ones, flushes the checkpoint and closes the stream', async () => {
    const log = new MemoryEventLog<Payload>();
    log.append({ node: 'a' }, { node: 'b' }, { node: 'a' }, { node: 'b' });
    const stream = log.open('nd');
    const h = controlledHandler();
    const consumer = start(stream, { handle: h.handle, partitionKey: byNode, concurrency: 2 });
    await eventually(() => expect(h.started).toEqual([1, 2]));

    const stopped = consumer.stop();
    h.release(2); // finishes during stop; event 1 still running
    await new Promise((resolve) => setImmediate(resolve));
    expect(stream.closed).toBe(false);
    h.release(1);
    await stopped;

    expect(h.started).toEqual([1, 2]); // queued 3 and 4 never started
    expect(stream.closed).toBe(true);
    expect(log.checkpoints.get('nd')).toBe(tokenOf(2));
    expect(consumer.stats().inFlight).toBe(0);
    await expect(consumer.done).resolves.toBeUndefined();

    // Restart picks up exactly the events that were never handled.
    const seen: number[] = [];
    start(log.open('nd'), { handle: (e) => void seen.push(e.seq) });
    await eventually(() => expect(seen).toEqual([3, 4]));
  });

  it('abandons handlers that outlive the stop timeout, aborting their signal, and keeps the checkpoint safe', async () => {
    const log = new MemoryEventLog<Payload>();
    log.append({ node: 'a' }, { node: 'b' }, { node: 'c' });
    const signals = new Map<number, AbortSignal>();
    const never = gate();
    const consumer = start(log.open('c'), {
      partitionKey: byNode,
      concurrency: 3,
      stopTimeoutMs: 20,
      handle: async (e, ctx) => {
        signals.set(e.seq, ctx.signal);
        if (e.seq !== 1) await never.promise;
      },
    });
    await eventually(() => expect(log.checkpoints.get('c')).toBe(tokenOf(1)));
    await consumer.stop();
    expect(signals.get(2)?.aborted).toBe(true);
    never.open(); // the abandoned handlers finish late: must not move the checkpoint of a closed stream
    await new Promise((resolve) => setImmediate(resolve));
    expect(log.checkpoints.get('c')).toBe(tokenOf(1));
    expect(log.markCalls).toHaveLength(1);
  });

  it('stop() interrupts a retry backoff instead of waiting it out; the event stays unmarked', async () => {
    const log = new MemoryEventLog<Payload>();
    log.append({ node: 'a' });
    let attempts = 0;
    const consumer = start(log.open('c'), {
      retry: { maxAttempts: 5, initialDelayMs: 60_000, jitter: false },
      stopTimeoutMs: 60_000,
      handle: () => {
        attempts++;
        throw new Error('down');
      },
    });
    await eventually(() => expect(attempts).toBe(1));
    await consumer.stop();
    expect(attempts).toBe(1);
    expect(consumer.stats()).toMatchObject({ processed: 0, failed: 0, inFlight: 0 });
    expect(log.markCalls).toEqual([]);
  });

  it('stop() on an idle tailing stream returns promptly and is idempotent', async () => {
    const log = new MemoryEventLog<Payload>();
    const stream = log.open('c');
    const consumer = start(stream, { handle: () => {} });
    const [a, b] = [consumer.stop(), consumer.stop()];
    await Promise.all([a, b]);
    expect(stream.closed).toBe(true);
    log.append({ node: 'late' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(consumer.stats().pulled).toBe(0);
  });

  it('stop() rejects when the final checkpoint cannot be saved', async () => {
    const log = new MemoryEventLog<Payload>();
    const slowMark = gate();
    log.beforeMark = async (token) => {
      if (token === tokenOf(1)) await slowMark.promise;
      else throw new Error('store unavailable');
    };
    log.append({ node: 'a' });
    const consumer = start(log.open('c'), { handle: () => {}, partitionKey: byNode, concurrency: 2 });
    await eventually(() => expect(log.markCalls).toHaveLength(1));
    log.append({ node: 'b' });
    await eventually(() => expect(consumer.stats().processed).toBe(2));
    const stopping = consumer.stop();
    slowMark.open();
    await expect(stopping).rejects.toMatchObject({ code: 'NVS_ERR_CONSUMER_CHECKPOINT_FAILED' });
  });

  it('when the stream fails, finishes pulled events, flushes, and rejects done with the error', async () => {
    const log = new MemoryEventLog<Payload>();
    log.append({ node: 'a' }, { node: 'b' });
    const stream = log.open('c');
    const h = controlledHandler();
    const consumer = start(stream, { handle: h.handle, partitionKey: byNode, concurrency: 2 });
    await eventually(() => expect(h.started).toEqual([1, 2]));
    stream.breakWith(new Error('connection reset'));
    h.release(1, 2);
    await expect(consumer.done).rejects.toThrow('connection reset');
    expect(log.checkpoints.get('c')).toBe(tokenOf(2));
    expect(stream.closed).toBe(true);
    await expect(consumer.stop()).resolves.toBeUndefined();
  });

  it('when a finite stream ends, handles everything pulled and resolves done', async () => {
    const log = new MemoryEventLog<Payload>();
    log.append({ node: 'a' }, { node: 'b' });
    const events = log.events;
    const finite = {
      async *[Symbol.asyncIterator]() {
        yield* events;
      },
      markProcessed: async (token: string) => void log.checkpoints.set('finite', token),
      close: async () => {},
    };
    const seen: number[] = [];
    const consumer = runConsumer(finite, { name: 'finite', handle: async (e) => void seen.push(e.seq) });
    await consumer.done;
    expect(seen).toEqual([1, 2]);
    expect(log.checkpoints.get('finite')).toBe(tokenOf(2));
  });
});

describe('runConsumer: metrics and validation', () => {
  it('sets the lag gauge from the event time', async () => {
    const log = new MemoryEventLog<Payload>();
    log.append({ node: 'a' });
    const registry = createMetricsRegistry({ defaultMetrics: false });
    const consumer = start(log.open('c'), {
      registry,
      metricsPrefix: 'node_drainer_stream',
      eventTime: () => new Date(Date.now() - 3_600_000),
      handle: () => {},
    });
    await eventually(() => expect(consumer.stats().processed).toBe(1));
    const lagLine = (await registry.metrics())
      .split('\n')
      .find((l) => l.startsWith('node_drainer_stream_lag_seconds{'));
    expect(Number(lagLine?.split(' ')[1])).toBeGreaterThanOrEqual(3600);
  });

  it('reads the lag from clusterTime by default, as store-client change events carry it', async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false });
    const events = [{ resumeToken: 't1', clusterTime: new Date(Date.now() - 120_000) }];
    const stream = {
      async *[Symbol.asyncIterator]() {
        yield* events;
      },
      markProcessed: async () => {},
      close: async () => {},
    };
    await runConsumer(stream, { name: 'lagged', registry, handle: () => {} }).done;
    const lagLine = (await registry.metrics())
      .split('\n')
      .find((l) => l.startsWith('nvsentinel_consumer_lag_seconds{'));
    expect(Number(lagLine?.split(' ')[1])).toBeGreaterThanOrEqual(120);
  });

  it('reports its state through stats and a readiness check', async () => {
    const log = new MemoryEventLog<Payload>();
    const stream = log.open('c');
    const consumer = start(stream, { handle: () => {} });
    const check = consumerReadinessCheck(consumer);
    expect(await check()).toMatchObject({ ok: true, detail: { state: 'running' } });
    stream.breakWith(new Error('gone'));
    await expect(consumer.done).rejects.toThrow('gone');
    expect(await check()).toMatchObject({ ok: false, detail: { state: 'failed' } });

    const other = start(new MemoryEventLog<Payload>().open('d'), { handle: () => {} });
    const stopping = other.stop();
    expect(other.stats().state).toBe('stopping');
    await stopping;
    expect(other.stats().state).toBe('stopped');
  });

  it('rejects nonsensical options with a usage error', () => {
    const stream = new MemoryEventLog<Payload>().open('c');
    expect(() => runConsumer(stream, { name: 'x', handle: () => {}, concurrency: 0 })).toThrow(
      /concurrency must be an integer ≥ 1, got 0/,
    );
    expect(() => runConsumer(stream, { name: 'x', handle: () => {}, maxInFlight: 1.5 })).toThrow(/NVS_ERR|maxInFlight/);
  });
});

describe('runConsumer: properties', () => {
  it('for any keys, completion order and failures: per-key order holds, checkpoints only grow and stop at the first unfinished event', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ node: fc.constantFrom('a', 'b', 'c', 'd'), fails: fc.boolean(), ticks: fc.nat(3) }), {
          minLength: 1,
          maxLength: 30,
        }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 8 }),
        async (specs, concurrency, maxInFlight) => {
          const log = new MemoryEventLog<Payload>();
          log.append(...specs.map((s) => ({ node: s.node })));
          const finishedPerNode = new Map<string, number[]>();
          const consumer = runConsumer(log.open('p'), {
            name: 'prop',
            partitionKey: byNode,
            concurrency,
            maxInFlight,
            retry: { maxAttempts: 1 },
            isPermanentError: () => true,
            handle: async (e) => {
              const spec = specs[e.seq - 1];
              for (let i = 0; i < spec.ticks; i++) await new Promise((resolve) => setImmediate(resolve));
              finishedPerNode.set(e.payload.node, [...(finishedPerNode.get(e.payload.node) ?? []), e.seq]);
              if (spec.fails) throw new Error('fails');
            },
          });
          await vi.waitFor(() => expect(consumer.stats().processed + consumer.stats().failed).toBe(specs.length), {
            interval: 1,
            timeout: 10_000,
          });
          await consumer.stop();

          for (const seqs of finishedPerNode.values()) expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
          const marked = log.markCalls.map((m) => m.token);
          expect(marked).toEqual([...new Set(marked)].sort());
          const firstFailure = specs.findIndex((s) => s.fails);
          const expected = firstFailure === -1 ? specs.length : firstFailure;
          expect(log.checkpoints.get('p')).toBe(expected === 0 ? undefined : tokenOf(expected));
        },
      ),
      { numRuns: 60 },
    );
  });
});
