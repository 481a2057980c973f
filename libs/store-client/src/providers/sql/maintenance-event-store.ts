/**
 * MaintenanceEventStore over `maintenance_events`: the canonical document in JSONB, upserted by
 * eventId, with the columns the queries need GENERATED from it.
 */
import { sql, type RawBuilder } from 'kysely';
import {
  MaintenanceDocumentPaths,
  MaintenanceStatus,
  maintenanceEventToDocument,
  type MaintenanceEvent,
} from '@nvsentinel/health-model';
import type { Document, MaintenanceEventStore, Pipeline } from '../../interfaces.js';
import { compilePipeline } from '../../query/index.js';
import { LOOKUP_COLLECTIONS } from './collections.js';
import type { SqlContext } from './context.js';
import { decodeJson, decodeMaintenanceEventRow, encodeJson } from './documents.js';

const ONGOING_STATUSES: readonly MaintenanceStatus[] = [
  MaintenanceStatus.DETECTED,
  MaintenanceStatus.QUARANTINE_TRIGGERED,
  MaintenanceStatus.MAINTENANCE_ONGOING,
];
const KNOWN_STATUSES = new Set<string>(Object.values(MaintenanceStatus));

export class SqlMaintenanceEventStore implements MaintenanceEventStore {
  readonly #ctx: SqlContext;

  constructor(ctx: SqlContext) {
    this.#ctx = ctx;
  }

  async upsertMaintenanceEvent(event: MaintenanceEvent): Promise<void> {
    if (!event || typeof event !== 'object' || typeof event.eventId !== 'string' || event.eventId === '') {
      throw this.#ctx.validation('upsertMaintenanceEvent: event.eventId must be a non-empty string');
    }
    const document = maintenanceEventToDocument(event);
    await this.#ctx.run('upsert maintenance event', (db) =>
      sql`INSERT INTO maintenance_events (event_id, document) VALUES (${event.eventId}, ${encodeJson(document)}::jsonb)
          ON CONFLICT (event_id) DO UPDATE SET document = EXCLUDED.document`.execute(db),
    );
  }

  async findMaintenanceEventById(eventId: string): Promise<MaintenanceEvent | null> {
    this.#requireString('eventId', eventId);
    return (await this.#select(sql`event_id = ${eventId}`, sql`event_id`, 'find maintenance event'))[0] ?? null;
  }

  findEventsToTriggerQuarantine(triggerWithinMs: number, now: Date = new Date()): Promise<MaintenanceEvent[]> {
    this.#requireDuration('triggerWithinMs', triggerWithinMs);
    const until = new Date(now.getTime() + triggerWithinMs);
    return this.#select(
      sql`status = ${MaintenanceStatus.DETECTED} AND scheduled_start_time > ${now.toISOString()}::timestamptz
          AND scheduled_start_time <= ${until.toISOString()}::timestamptz`,
      sql`scheduled_start_time, event_id`,
      'find maintenance events to trigger quarantine',
    );
  }

  findEventsToTriggerHealthy(healthyDelayMs: number, now: Date = new Date()): Promise<MaintenanceEvent[]> {
    this.#requireDuration('healthyDelayMs', healthyDelayMs);
    const before = new Date(now.getTime() - healthyDelayMs);
    return this.#select(
      sql`status = ${MaintenanceStatus.MAINTENANCE_COMPLETE} AND actual_end_time IS NOT NULL
          AND actual_end_time <= ${before.toISOString()}::timestamptz`,
      sql`actual_end_time, event_id`,
      'find maintenance events to trigger healthy',
    );
  }

  async updateEventStatus(eventId: string, status: MaintenanceStatus): Promise<void> {
    this.#requireString('eventId', eventId);
    if (!KNOWN_STATUSES.has(status)) {
      throw this.#ctx.validation(
        `updateEventStatus: unknown status ${JSON.stringify(status)}; use one of ${[...KNOWN_STATUSES].join(', ')}`,
      );
    }
    const sets = {
      [MaintenanceDocumentPaths.status]: status,
      [MaintenanceDocumentPaths.lastUpdatedTimestamp]: new Date(),
    };
    const result = await this.#ctx.run('update maintenance event status', (db) =>
      sql`UPDATE maintenance_events SET document = nvs_set_paths(document, ${encodeJson(sets)}::jsonb)
          WHERE event_id = ${eventId}`.execute(db),
    );
    if (Number(result.numAffectedRows ?? 0n) === 0) throw this.#ctx.notFound('maintenance event', eventId);
  }

  async getLastProcessedEventTimestampByCSP(clusterName: string, csp: string): Promise<Date | null> {
    this.#requireString('clusterName', clusterName);
    this.#requireString('csp', csp);
    const result = await this.#ctx.run('get last processed maintenance event timestamp', (db) =>
      sql<{ latest: Date | string | null }>`SELECT max(event_received_timestamp) AS latest FROM maintenance_events
        WHERE cluster_name = ${clusterName} AND csp = ${csp}`.execute(db),
    );
    const latest = result.rows[0]?.latest ?? null;
    return latest === null ? null : new Date(latest);
  }

  async findLatestActiveEventByNodeAndType(
    nodeName: string,
    maintenanceType: string,
    statuses: MaintenanceStatus[],
  ): Promise<MaintenanceEvent | null> {
    this.#requireString('nodeName', nodeName);
    this.#requireString('maintenanceType', maintenanceType);
    if (!Array.isArray(statuses)) throw this.#ctx.validation('statuses must be an array of maintenance statuses');
    const found = await this.#select(
      sql`node_name = ${nodeName} AND maintenance_type = ${maintenanceType} AND status = ANY(${textArray(statuses)})`,
      sql`last_updated_timestamp DESC NULLS LAST, event_id LIMIT 1`,
      'find latest active maintenance event',
    );
    return found[0] ?? null;
  }

  async findLatestOngoingEventByNode(nodeName: string): Promise<MaintenanceEvent | null> {
    this.#requireString('nodeName', nodeName);
    const found = await this.#select(
      sql`node_name = ${nodeName} AND status = ANY(${textArray(ONGOING_STATUSES)})`,
      sql`last_updated_timestamp DESC NULLS LAST, event_id LIMIT 1`,
      'find latest ongoing maintenance event',
    );
    return found[0] ?? null;
  }

  findActiveEventsByStatuses(csp: string, cspStatuses: string[]): Promise<MaintenanceEvent[]> {
    this.#requireString('csp', csp);
    if (!Array.isArray(cspStatuses)) throw this.#ctx.validation('cspStatuses must be an array of strings');
    return this.#select(
      sql`csp = ${csp} AND csp_status = ANY(${textArray(cspStatuses)})`,
      sql`event_received_timestamp, event_id`,
      'find maintenance events by CSP status',
    );
  }

  async aggregate(pipeline: Pipeline): Promise<Document[]> {
    if (!Array.isArray(pipeline)) throw this.#ctx.validation('aggregate: pipeline must be an array of stages');
    const query = compilePipeline(
      pipeline,
      sql`(SELECT document AS doc FROM maintenance_events ORDER BY event_received_timestamp, event_id)`,
      {
        collections: LOOKUP_COLLECTIONS,
      },
    );
    const result = await this.#ctx.run('aggregate maintenance events', (db) => query.execute(db));
    return result.rows.map((row) => decodeJson(row.doc) as Document);
  }

  async #select(where: RawBuilder<unknown>, orderBy: RawBuilder<unknown>, action: string): Promise<MaintenanceEvent[]> {
    const result = await this.#ctx.run(action, (db) =>
      sql<{ document: unknown }>`SELECT document FROM maintenance_events WHERE ${where} ORDER BY ${orderBy}`.execute(
        db,
      ),
    );
    return result.rows.map((row) => decodeMaintenanceEventRow(row.document, this.#ctx.provider));
  }

  #requireString(name: string, value: unknown): void {
    if (typeof value !== 'string') throw this.#ctx.validation(`${name} must be a string, got ${JSON.stringify(value)}`);
  }

  #requireDuration(name: string, value: unknown): void {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw this.#ctx.validation(`${name} must be a non-negative number of milliseconds, got ${JSON.stringify(value)}`);
    }
  }
}

/** A text[] parameter sent as JSON: identical on pg and PGlite, whose array serialisers differ. */
function textArray(values: readonly string[]): RawBuilder<unknown> {
  return sql`ARRAY(SELECT jsonb_array_elements_text(${JSON.stringify(values)}::jsonb))`;
}
