import type { HealthEvent } from '@nvsentinel/health-model';

/**
 * One step of the ingest pipeline. Transformers work on a whole batch (so lookups can be shared)
 * and change events in place. A transformer that throws is logged and skipped: enrichment must
 * never cost an event.
 */
export interface HealthEventTransformer {
  /** Upstream's pipeline name: MetadataAugmentor, OverrideTransformer, Deduplicator. */
  readonly name: string;
  transform(events: HealthEvent[]): void | Promise<void>;
  /**
   * Called after the batch was durably stored. Transformers that remember events (the
   * de-duplicator) record them here, so a batch refused during an outage and resent later is
   * not mistaken for a repeat of itself.
   */
  onStored?(events: readonly HealthEvent[]): void;
  close?(): void;
}
