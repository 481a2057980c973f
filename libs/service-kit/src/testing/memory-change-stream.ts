/**
 * An in-memory change-stream fixture: a test double of a STREAM (not of a database) with the
 * same contract as store-client's change streams — ordered delivery, resume after the last
 * `markProcessed` token of a client, tailing for new events, `close()` ending iteration.
 */
import type { ChangeStreamLike } from '../consumer/types.js';

export interface MemoryEvent<P> {
  readonly resumeToken: string;
  /** 1-based position in the log. */
  readonly seq: number;
  readonly payload: P;
}

export interface MarkCall {
  client: string;
  token: string;
}

/** The durable side: the event log and one checkpoint per client, surviving stream restarts. */
export class MemoryEventLog<P> {
  readonly events: MemoryEvent<P>[] = [];
  readonly checkpoints = new Map<string, string>();
  /** Every markProcessed call, in call order. */
  readonly markCalls: MarkCall[] = [];
  /** Test hook run inside markProcessed before the checkpoint is stored (delay or throw). */
  beforeMark: ((token: string) => Promise<void> | void) | undefined;
  #wake: (() => void)[] = [];

  append(...payloads: P[]): MemoryEvent<P>[] {
    const added = payloads.map((payload) => {
      const seq = this.events.length + 1;
      // Zero-padded so tokens also sort as strings; consumers must still treat them as opaque.
      const event = { resumeToken: `tok-${String(seq).padStart(6, '0')}`, seq, payload };
      this.events.push(event);
      return event;
    });
    const wake = this.#wake;
    this.#wake = [];
    for (const w of wake) w();
    return added;
  }

  /** Opens a stream for `client` that resumes after its checkpoint (or at the start). */
  open(client: string): MemoryChangeStream<P> {
    const token = this.checkpoints.get(client);
    const start = token === undefined ? 0 : this.events.findIndex((e) => e.resumeToken === token) + 1;
    return new MemoryChangeStream(this, client, start);
  }

  /** Resolves on the next append. */
  nextAppend(): Promise<void> {
    return new Promise((resolve) => this.#wake.push(resolve));
  }
}

export class MemoryChangeStream<P> implements ChangeStreamLike<MemoryEvent<P>> {
  readonly #log: MemoryEventLog<P>;
  readonly #client: string;
  #position: number;
  #closed = false;
  #wakeOnClose: (() => void) | undefined;
  /** Events handed out so far. */
  pulled = 0;
  /** When set, the next pull (once the log is drained up to here) rejects with it. */
  failWith: Error | undefined;

  constructor(log: MemoryEventLog<P>, client: string, start: number) {
    this.#log = log;
    this.#client = client;
    this.#position = start;
  }

  get closed(): boolean {
    return this.#closed;
  }

  async markProcessed(token: string): Promise<void> {
    this.#log.markCalls.push({ client: this.#client, token });
    await this.#log.beforeMark?.(token);
    this.#log.checkpoints.set(this.#client, token);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#wakeOnClose?.();
  }

  [Symbol.asyncIterator](): AsyncIterator<MemoryEvent<P>> {
    return {
      next: async () => {
        for (;;) {
          if (this.#closed) return { done: true, value: undefined };
          if (this.failWith) throw this.failWith;
          const event = this.#log.events[this.#position];
          if (event) {
            this.#position++;
            this.pulled++;
            return { done: false, value: event };
          }
          await new Promise<void>((resolve) => {
            this.#wakeOnClose = resolve;
            void this.#log.nextAppend().then(resolve);
          });
        }
      },
      return: async () => {
        await this.close();
        return { done: true, value: undefined };
      },
    };
  }

  /** Makes a waiting pull fail, as a broken connection would. */
  breakWith(error: Error): void {
    this.failWith = error;
    this.#wakeOnClose?.();
  }
}
