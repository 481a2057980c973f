/**
 * How the MongoDB provider talks to the service around it without importing it: a pino-shaped
 * logger, a metrics callback and the history-lost notification. store-client depends on no
 * logging or metrics library, so services pass these in (prom-client counters, pino children).
 */
import type { HistoryLostListener, WatchOptions } from '../../interfaces.js';
import { stderrJsonLogger } from '../../stderr-logger.js';
import type { StreamPhase } from './recovery.js';

/** The subset of pino's Logger the provider uses; a pino logger fits as is. */
export interface MongoLogger {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

// The history-lost types are shared by every provider (interfaces.ts); re-exported here so
// existing imports from the mongodb module keep working.
export type { HistoryLostInfo, HistoryLostListener } from '../../interfaces.js';

/** `watch` options of this provider: the shared options, which carry `onHistoryLost`. */
export type MongoWatchOptions = WatchOptions;

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

/** Warnings and errors as one JSON line on stderr (info is dropped). */
export const stderrLogger: MongoLogger = stderrJsonLogger('store-client/mongodb');
