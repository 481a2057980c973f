/**
 * Saves checkpoints with at most one `markProcessed` call in flight, always for the newest token
 * offered so far: while one save runs, newer offers collapse into a single follow-up save.
 */
import { CheckpointFailedError } from '../errors/catalogue.js';
import { sleep } from './backoff.js';

export interface CheckpointerHooks {
  onSaved?(token: string): void;
  onError?(error: unknown, token: string): void;
  /** Minimum pause between two saves (not applied to `flush`); default 0. */
  minIntervalMs?: number;
}

export class Checkpointer {
  readonly #save: (token: string) => Promise<void>;
  readonly #hooks: CheckpointerHooks;
  #wanted: string | undefined;
  #saved: string | undefined;
  #running: Promise<void> | undefined;
  /** Aborts the pause between saves so `flush` never waits it out. */
  #pause: AbortController | undefined;

  constructor(save: (token: string) => Promise<void>, hooks: CheckpointerHooks = {}) {
    this.#save = save;
    this.#hooks = hooks;
  }

  get saved(): string | undefined {
    return this.#saved;
  }

  /** Asks for `token` to be saved eventually; never throws (failures go to `onError`). */
  offer(token: string | undefined): void {
    if (token === undefined) return;
    this.#wanted = token;
    if (!this.#running && this.#wanted !== this.#saved) this.#running = this.#drain();
  }

  /** Waits for the running save, then saves the newest offered token if it is not saved yet. */
  async flush(): Promise<void> {
    this.#pause?.abort();
    await this.#running;
    const token = this.#wanted;
    if (token === undefined || token === this.#saved) return;
    try {
      await this.#save(token);
      this.#saved = token;
      this.#hooks.onSaved?.(token);
    } catch (err) {
      this.#hooks.onError?.(err, token);
      throw new CheckpointFailedError(token, { cause: err });
    }
  }

  async #drain(): Promise<void> {
    try {
      while (this.#wanted !== undefined && this.#wanted !== this.#saved) {
        const token = this.#wanted;
        try {
          await this.#save(token);
        } catch (err) {
          // Stop here instead of hammering a failing store; the next offer or flush retries.
          this.#hooks.onError?.(err, token);
          return;
        }
        this.#saved = token;
        this.#hooks.onSaved?.(token);
        const interval = this.#hooks.minIntervalMs ?? 0;
        if (interval > 0) {
          this.#pause = new AbortController();
          if (!(await sleep(interval, this.#pause.signal))) return; // flush takes over
        }
      }
    } finally {
      this.#pause = undefined;
      this.#running = undefined;
    }
  }
}
