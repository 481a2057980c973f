/**
 * The ingest path shared by gRPC and HTTP: validate the whole batch (all problems, nothing
 * stored on any), normalise the processing strategy, run the transformers in configured order,
 * store with acknowledgement, then hand the stored events to the Kubernetes mirror, which works
 * off the request path.
 */
import {
  normalizeProcessingStrategy,
  validateHealthEvents,
  type HealthEvent,
  type ValidationIssue,
} from '@nvsentinel/health-model';
import type { Logger, NvsError } from '@nvsentinel/service-kit';
import { HealthEventsInvalidError, withIssues } from '../errors.js';
import type { ConnectorMetrics } from '../metrics.js';
import type { CoalescingWriter } from '../persistence/coalescing-writer.js';
import type { HealthEventTransformer } from '../transformers/transformer.js';
import { validateDecodedEvents } from './validate-decoded.js';

/** Where stored events go next; the Kubernetes mirror implements it. */
export interface StoredEventSink {
  enqueue(events: readonly HealthEvent[]): void;
}

export interface IngestPipelineOptions {
  writer: CoalescingWriter;
  transformers: readonly HealthEventTransformer[];
  mirror?: StoredEventSink;
  metrics: ConnectorMetrics;
  logger: Logger;
}

export interface IngestResult {
  /** Datastore ids of the stored events, in request order. */
  ids: string[];
}

const MAX_ISSUES_IN_MESSAGE = 20;

const REJECTION_REASONS: Record<string, string> = {
  NVS_ERR_PC_HEALTH_EVENTS_INVALID: 'invalid',
  NVS_ERR_PC_EVENTS_UNSTORABLE: 'unstorable',
  NVS_ERR_PC_DATASTORE_UNAVAILABLE: 'datastore_unavailable',
  NVS_ERR_PC_INGEST_OVERLOADED: 'overloaded',
  NVS_ERR_PC_STORE_FAILED: 'store_failed',
  NVS_ERR_PC_SHUTTING_DOWN: 'shutting_down',
};

export class IngestPipeline {
  readonly #options: IngestPipelineOptions;

  constructor(options: IngestPipelineOptions) {
    this.#options = options;
  }

  /** HTTP path: a proto3-JSON `{ version?, events: [...] }` body. */
  ingestJson(body: unknown): Promise<IngestResult> {
    const count = Array.isArray((body as { events?: unknown } | null)?.events)
      ? (body as { events: unknown[] }).events.length
      : 0;
    this.#options.metrics.eventsReceived.inc(count);
    const result = validateHealthEvents(body);
    if (!result.ok) return this.#refuse(this.#invalid(result.errors));
    return this.#counted(this.#process(result.value));
  }

  /**
   * gRPC path: events already decoded from protobuf; they pass the same rules as JSON (see
   * validate-decoded.ts), so both transports accept and refuse exactly the same batches.
   */
  ingestDecoded(events: HealthEvent[]): Promise<IngestResult> {
    this.#options.metrics.eventsReceived.inc(events.length);
    const issues = validateDecodedEvents(events);
    if (issues.length > 0) return this.#refuse(this.#invalid(issues));
    return this.#counted(this.#process(events));
  }

  #refuse(error: NvsError): Promise<never> {
    this.#options.metrics.batchesRejected.inc({ reason: REJECTION_REASONS[error.code] ?? 'internal' });
    return Promise.reject(error);
  }

  #counted(result: Promise<IngestResult>): Promise<IngestResult> {
    return result.catch((err: unknown) => {
      const code = (err as { code?: unknown }).code;
      this.#options.metrics.batchesRejected.inc({
        reason: (typeof code === 'string' && REJECTION_REASONS[code]) || 'internal',
      });
      throw err;
    });
  }

  async #process(events: HealthEvent[]): Promise<IngestResult> {
    const started = performance.now();
    for (const event of events) event.processingStrategy = normalizeProcessingStrategy(event.processingStrategy);
    await this.#transform(events);
    const ids = await this.#options.writer.write(events.map((healthEvent) => ({ healthEvent })));
    this.#options.metrics.ackLatency.observe((performance.now() - started) / 1000);
    for (const transformer of this.#options.transformers) transformer.onStored?.(events);
    this.#options.mirror?.enqueue(events);
    return { ids };
  }

  async #transform(events: HealthEvent[]): Promise<void> {
    for (const transformer of this.#options.transformers) {
      try {
        await transformer.transform(events);
      } catch (err) {
        this.#options.metrics.transformerErrors.inc({ transformer: transformer.name });
        this.#options.logger.error(
          { err, transformer: transformer.name },
          'transformer failed; events continue unchanged',
        );
      }
    }
  }

  #invalid(issues: ValidationIssue[]): NvsError {
    const shown = issues.slice(0, MAX_ISSUES_IN_MESSAGE).map((i) => (i.path ? `${i.path}: ${i.message}` : i.message));
    if (issues.length > shown.length) shown.push(`… and ${issues.length - shown.length} more`);
    const summary = `${issues.length} ${issues.length === 1 ? 'problem' : 'problems'}: ${shown.join('; ')}`;
    return withIssues(new HealthEventsInvalidError(summary), issues);
  }
}
