/**
 * How the MongoDB provider talks to the service around it without importing it: a pino-shaped
 * logger, a metrics callback and the history-lost notification. store-client depends on no
 * logging or metrics library, so services pass these in (prom-client counters, pino children).
 */
import type { WatchOptions } from '../../interfaces.js';
import type { StreamPhase } from './recovery.js';

/** The subset of pino's Logger the provider uses; a pino logger fits as is. */
export interface MongoLogger {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

export interface HistoryLostInfo {
  clientName: string;
  /** 'initialization': at open with the stored token; 'runtime': while streaming. */
  phase: StreamPhase;
  /**
   * 'token-unusable': the server could not resume from the token (codes 286/280/260/9, usually
   * because it fell off the oplog); 'invalidated': the collection was dropped or renamed.
   */
  reason: 'token-unusable' | 'invalidated';
  /** The server error code, when the server gave one. */
  serverCode?: number;
}

/**
 * Called after the stored token was deleted and before the stream continues from now. Changes
 * between the last processed token and now will never be delivered: the consumer should run its
 * cold-start scan (query the store for events still needing work). If it throws, the stream
 * ends with that error.
 */
export type HistoryLostListener = (info: HistoryLostInfo) => void | Promise<void>;

/** `watch` options of this provider: the shared options plus the history-lost notification. */
export interface MongoWatchOptions extends WatchOptions {
  /**
   * Without a listener, history lost at start-up is only logged and counted (the consumer is
   * starting anyway and runs its start-up scan), while history lost at runtime ends the
   * iteration with DatastoreError code `resume_token` so the consumer restarts — upstream
   * NVSentinel's behaviour.
   */
  onHistoryLost?: HistoryLostListener;
}

export interface MongoProviderHooks {
  logger?: MongoLogger;
  /**
   * One resume-token recovery happened; increment
   * `change_stream_resume_token_recoveries_total{client,phase}` (upstream's metric).
   */
  onResumeTokenRecovery?: (labels: { client: string; phase: StreamPhase }) => void;
  /** Default for every stream whose watch options carry no `onHistoryLost`. */
  onHistoryLost?: HistoryLostListener;
}

/** Warnings and errors as one JSON line on stderr, `module` like the services' pino lines. */
export const stderrLogger: MongoLogger = {
  info: () => {},
  warn: (obj, msg) => writeLine(40, obj, msg),
  error: (obj, msg) => writeLine(50, obj, msg),
};

function writeLine(level: number, obj: Record<string, unknown>, msg: string): void {
  const line = { level, time: Date.now(), module: 'store-client/mongodb', ...obj, msg };
  process.stderr.write(`${JSON.stringify(line, (_k, v: unknown) => (v instanceof Error ? v.message : v))}\n`);
}
