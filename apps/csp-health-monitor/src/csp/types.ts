/** What every cloud behind the monitor implements: one poll of a time window into MaintenanceEvents. */
import type { MaintenanceEvent } from '@nvsentinel/health-model';
import type { Logger } from '@nvsentinel/service-kit';
import type { MaintenanceEventStore } from '@nvsentinel/store-client';
import type { CspName } from '../config/csp-config.js';
import type { MonitorMetrics } from '../metrics.js';
import type { NodeMapper } from './node-mapper.js';

export interface PollWindow {
  /** Exclusive start: the end of the last fully successful poll. */
  from: Date;
  /** Inclusive end: the time this poll started. */
  to: Date;
}

export interface CspContext {
  store: MaintenanceEventStore;
  nodes: NodeMapper;
  metrics: MonitorMetrics;
  logger: Logger;
  now: () => Date;
}

export interface CspClient {
  readonly name: CspName;
  readonly pollIntervalMs: number;
  /** Where the first poll starts when nothing is stored for this cluster and CSP. */
  initialFrom(now: Date): Date;
  /**
   * Fetches and normalises everything in the window, oldest first. An API failure throws (the
   * checkpoint does not advance); an item that cannot be normalised is counted, logged and left out.
   */
  poll(window: PollWindow, ctx: CspContext): Promise<MaintenanceEvent[]>;
  close?(): Promise<void>;
}

/** Records one normalisation failure: counted, logged, never fatal to the poll. */
export function normalizationFailed(ctx: CspContext, csp: string, item: string, err: unknown): void {
  ctx.metrics.normalizationErrors.inc({ csp });
  ctx.logger.warn({ err, csp, item }, 'CSP item skipped: it cannot be normalised');
}

/** Runs an API call, timing it and counting its failure by error type. */
export async function timedApiCall<T>(ctx: CspContext, csp: string, api: string, call: () => Promise<T>): Promise<T> {
  const stop = ctx.metrics.cspApiPollingDuration.startTimer({ csp, api });
  try {
    return await call();
  } catch (err) {
    ctx.metrics.cspApiErrors.inc({ csp, error_type: errorType(err) });
    throw err;
  } finally {
    stop();
  }
}

export function errorType(err: unknown): string {
  const e = err as { name?: string; code?: unknown } | undefined;
  if (e && typeof e.name === 'string' && e.name !== 'Error') return e.name;
  if (e && (typeof e.code === 'string' || typeof e.code === 'number')) return String(e.code);
  return 'unknown';
}
