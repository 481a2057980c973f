/**
 * Deduplicator: monitors such as the syslog monitor repeat the same XID many times a minute.
 * A repeat of an unhealthy event within the suppression window is still stored (history and the
 * analyzer need it) but downgraded to STORE_AND_ANALYSE, so it causes no second round of cluster
 * actions. A healthy event clears its unhealthy counterpart, so the next fault after a recovery
 * is acted on again.
 *
 * Key = node, check, sorted entities, sorted error codes, processing strategy, isHealthy
 * (the message is ignored). Events are remembered only once stored (`onStored`), so a batch
 * refused during an outage and resent is not mistaken for its own repeat.
 */
import { ProcessingStrategy, type HealthEvent } from '@nvsentinel/health-model';
import type { ConnectorMetrics } from '../metrics.js';
import type { HealthEventTransformer } from './transformer.js';

export interface DeduplicatorConfig {
  /** Repeats within this long after the first occurrence are downgraded. Default 3 min. */
  suppressionWindowMs?: number;
  /** How often expired entries are dropped. Default 1 min. */
  cleanupIntervalMs?: number;
  /** Checks that are de-duplicated. Default SysLogsXIDError, SysLogsSXIDError. */
  includeChecks?: readonly string[];
  now?: () => number;
}

export const DEFAULT_DEDUP_CHECKS: readonly string[] = ['SysLogsXIDError', 'SysLogsSXIDError'];

function dedupKey(event: HealthEvent, isHealthy = event.isHealthy): string {
  const entities = event.entitiesImpacted.map((e) => `${e.entityType}=${e.entityValue}`).sort();
  const codes = [...event.errorCode].sort();
  return JSON.stringify([event.nodeName, event.checkName, entities, codes, event.processingStrategy, isHealthy]);
}

export class Deduplicator implements HealthEventTransformer {
  readonly name = 'Deduplicator';
  readonly #windowMs: number;
  readonly #checks: ReadonlySet<string>;
  readonly #now: () => number;
  readonly #metrics: ConnectorMetrics;
  /** key → time the unhealthy event was first stored in the current window. */
  readonly #firstSeen = new Map<string, number>();
  readonly #cleanup: NodeJS.Timeout;
  /** Events this transform downgraded: their storage must not restart the window. */
  readonly #downgraded = new WeakSet<HealthEvent>();

  constructor(config: DeduplicatorConfig, metrics: ConnectorMetrics) {
    this.#windowMs = config.suppressionWindowMs ?? 180_000;
    this.#checks = new Set(config.includeChecks ?? DEFAULT_DEDUP_CHECKS);
    this.#now = config.now ?? Date.now;
    this.#metrics = metrics;
    this.#cleanup = setInterval(() => this.#dropExpired(), config.cleanupIntervalMs ?? 60_000);
    this.#cleanup.unref();
  }

  get trackedKeys(): number {
    return this.#firstSeen.size;
  }

  transform(events: HealthEvent[]): void {
    const now = this.#now();
    const inBatch = new Set<string>();
    for (const event of events) {
      if (event.isHealthy || !this.#checks.has(event.checkName)) continue;
      if (event.processingStrategy !== ProcessingStrategy.EXECUTE_REMEDIATION) continue;
      const key = dedupKey(event);
      const first = this.#firstSeen.get(key);
      if (inBatch.has(key) || (first !== undefined && now - first < this.#windowMs)) {
        event.processingStrategy = ProcessingStrategy.STORE_AND_ANALYSE;
        this.#downgraded.add(event);
        this.#metrics.dedupStoreAndAnalyse.inc();
      } else {
        inBatch.add(key);
      }
    }
  }

  onStored(events: readonly HealthEvent[]): void {
    const now = this.#now();
    for (const event of events) {
      if (!this.#checks.has(event.checkName) || this.#downgraded.has(event)) continue;
      if (event.isHealthy) {
        // A recovery clears every unhealthy counterpart of this node and check that it covers.
        this.#clearCounterparts(event);
        continue;
      }
      if (event.processingStrategy !== ProcessingStrategy.EXECUTE_REMEDIATION) continue;
      const key = dedupKey(event);
      const first = this.#firstSeen.get(key);
      if (first === undefined || now - first >= this.#windowMs) this.#firstSeen.set(key, now);
    }
  }

  close(): void {
    clearInterval(this.#cleanup);
  }

  #clearCounterparts(healthy: HealthEvent): void {
    const exact = dedupKey({ ...healthy, processingStrategy: ProcessingStrategy.EXECUTE_REMEDIATION }, false);
    if (this.#firstSeen.delete(exact)) return;
    // A recovery without entities (or codes) clears the whole check on the node.
    if (healthy.entitiesImpacted.length > 0) return;
    const prefix = JSON.stringify([healthy.nodeName, healthy.checkName]).slice(0, -1);
    for (const key of this.#firstSeen.keys()) if (key.startsWith(prefix + ',')) this.#firstSeen.delete(key);
  }

  #dropExpired(): void {
    const now = this.#now();
    for (const [key, first] of this.#firstSeen) if (now - first >= this.#windowMs) this.#firstSeen.delete(key);
  }
}
