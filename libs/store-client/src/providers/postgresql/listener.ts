/**
 * A dedicated connection for LISTEN (a pooled one would be handed to other queries). When it
 * drops, it reconnects with backoff and then reports one synthetic notification, because
 * changes may have been announced while it was away.
 */
import pg from 'pg';

const MAX_BACKOFF_MS = 30_000;

export class NotificationListener {
  readonly #config: pg.ClientConfig;
  readonly #channel: string;
  readonly #onNotify: () => void;
  #client: pg.Client | undefined;
  #stopped = false;
  #retryTimer: NodeJS.Timeout | undefined;

  private constructor(config: pg.ClientConfig, channel: string, onNotify: () => void) {
    this.#config = config;
    this.#channel = channel;
    this.#onNotify = onNotify;
  }

  /** Resolves once LISTEN is active (rejects if the first connection fails). */
  static async start(config: pg.ClientConfig, channel: string, onNotify: () => void): Promise<NotificationListener> {
    const listener = new NotificationListener(config, channel, onNotify);
    await listener.#connect();
    return listener;
  }

  async #connect(): Promise<void> {
    const client = new pg.Client(this.#config);
    client.on('notification', (message) => {
      if (message.channel === this.#channel) this.#onNotify();
    });
    client.on('error', () => this.#reconnect(client, 500));
    client.on('end', () => this.#reconnect(client, 500));
    await client.connect();
    await client.query(`LISTEN ${pg.escapeIdentifier(this.#channel)}`);
    this.#client = client;
  }

  #reconnect(failed: pg.Client, delayMs: number): void {
    if (this.#stopped || this.#client !== failed || this.#retryTimer) return;
    this.#client = undefined;
    failed.removeAllListeners('end');
    failed.end().catch(() => undefined);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      if (this.#stopped) return;
      this.#connect().then(
        () => this.#onNotify(),
        () => {
          // Keep trying; streams poll meanwhile.
          const next = new pg.Client(this.#config);
          this.#client = next;
          this.#reconnect(next, Math.min(delayMs * 2, MAX_BACKOFF_MS));
        },
      );
    }, delayMs);
    this.#retryTimer.unref();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    const client = this.#client;
    this.#client = undefined;
    if (client) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
    }
  }
}
