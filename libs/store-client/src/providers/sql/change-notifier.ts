/**
 * One LISTEN per datastore, fanned out to every open change stream. Started lazily by the first
 * stream. A notification only says "something changed": streams re-read the changelog.
 */
import type { SqlBackend } from './backend.js';
import { CHANGE_CHANNEL } from './backend.js';

export class ChangeNotifier {
  readonly #backend: SqlBackend;
  readonly #subscribers = new Set<() => void>();
  #unlisten: Promise<() => Promise<void>> | undefined;

  constructor(backend: SqlBackend) {
    this.#backend = backend;
  }

  /** Subscribes; resolves once the LISTEN is in place (so no change after it can be missed). */
  async subscribe(onChange: () => void): Promise<() => void> {
    this.#subscribers.add(onChange);
    if (!this.#unlisten) {
      this.#unlisten = this.#backend.listen(CHANGE_CHANNEL, () => {
        for (const subscriber of this.#subscribers) subscriber();
      });
      this.#unlisten.catch(() => {
        // Streams fall back to polling; the next subscribe retries the LISTEN.
        this.#unlisten = undefined;
      });
    }
    try {
      await this.#unlisten;
    } catch {
      // keep the subscription: polling still delivers
    }
    return () => {
      this.#subscribers.delete(onChange);
    };
  }

  async close(): Promise<void> {
    this.#subscribers.clear();
    const pending = this.#unlisten;
    this.#unlisten = undefined;
    if (pending) {
      try {
        await (
          await pending
        )();
      } catch {
        // already gone
      }
    }
  }
}
