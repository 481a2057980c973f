/** Helpers for the provider contract suite: sample events and a patient change-stream reader. */
import type { HealthEvent } from '@nvsentinel/health-model';
import { sampleHealthEvent as baseSample } from '@nvsentinel/health-model/testing';
import type { ChangeEvent, ChangeStream } from '../interfaces.js';

let counter = 0;

/** A unique name per call, so tests sharing one database never see each other's rows. */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}

export function sampleHealthEvent(overrides: Partial<HealthEvent> = {}): HealthEvent {
  // Fixed values the contract asserts on (nanos survive the round trip, metadata is stored).
  return baseSample({
    metadata: { providerID: 'aws:///i-1' },
    generatedTimestamp: { seconds: 1_760_000_000, nanos: 5 },
    nodeName: 'node-a',
    ...overrides,
  });
}

const TIMEOUT = Symbol('timeout');

/**
 * Reads a change stream one event at a time without losing a pending `next()` on timeout.
 * `until` reads up to a sentinel document, which proves what did NOT arrive before it without
 * waiting on a clock.
 */
export class StreamReader {
  readonly #iterator: AsyncIterator<ChangeEvent>;
  #pending: Promise<IteratorResult<ChangeEvent>> | undefined;

  constructor(readonly stream: ChangeStream) {
    this.#iterator = stream[Symbol.asyncIterator]();
  }

  /**
   * Waits until the stream is positioned, so changes made afterwards are delivered. Providers
   * without `started()` get a grace period instead, during which nothing may arrive.
   */
  async ready(): Promise<void> {
    if (this.stream.started) {
      await this.stream.started();
      return;
    }
    const early = await this.next(500);
    if (early) throw new Error(`unexpected change before any was made: ${summary(early)}`);
  }

  /** The next event, or undefined if the stream ended or nothing came within `timeoutMs`. */
  async next(timeoutMs = 15_000): Promise<ChangeEvent | undefined> {
    this.#pending ??= this.#iterator.next();
    let timer: NodeJS.Timeout | undefined;
    let result: IteratorResult<ChangeEvent> | typeof TIMEOUT;
    try {
      result = await Promise.race([
        this.#pending,
        new Promise<typeof TIMEOUT>((resolve) => {
          timer = setTimeout(() => resolve(TIMEOUT), timeoutMs);
        }),
      ]);
    } catch (err) {
      // The iteration ended with this error; a later next() asks the ended iterator again.
      this.#pending = undefined;
      throw err;
    } finally {
      clearTimeout(timer);
    }
    if (result === TIMEOUT) return undefined;
    this.#pending = undefined;
    return result.done ? undefined : result.value;
  }

  async take(count: number, timeoutMs = 15_000): Promise<ChangeEvent[]> {
    const events: ChangeEvent[] = [];
    while (events.length < count) {
      const event = await this.next(timeoutMs);
      if (!event)
        throw new Error(
          `expected ${count} change events, got ${events.length}: ${JSON.stringify(events.map(summary))}`,
        );
      events.push(event);
    }
    return events;
  }

  /** Every event before (excluding) the first whose document id is `sentinelId`. */
  async until(sentinelId: string, timeoutMs = 15_000): Promise<ChangeEvent[]> {
    const events: ChangeEvent[] = [];
    for (;;) {
      const event = await this.next(timeoutMs);
      if (!event) throw new Error(`sentinel ${sentinelId} never arrived; got ${JSON.stringify(events.map(summary))}`);
      if (event.documentKey._id === sentinelId) return events;
      events.push(event);
    }
  }

  async close(): Promise<void> {
    await this.stream.close();
  }
}

export function summary(event: ChangeEvent): string {
  return `${event.operationType}:${event.documentKey._id}`;
}
