/**
 * MaintenanceEventStore over the MaintenanceEvents collection (upstream's layout: one document
 * per `eventId`, camelCase keys, dates as BSON dates). Orderings match the SQL providers.
 */
import type { Document as BsonDocument, Sort } from 'mongodb';
import {
  MaintenanceDocumentPaths as P,
  MaintenanceStatus,
  maintenanceEventToDocument,
  type MaintenanceEvent,
} from '@nvsentinel/health-model';

import type { Document, MaintenanceEventStore, Pipeline } from '../../interfaces.js';
import { documentFromBson } from './bson-values.js';
import { maintenanceEventFromBson } from './documents.js';
import {
  notFoundError,
  requirePipeline,
  requireString,
  validationError,
  type MongoStoreContext,
} from './store-context.js';

const KNOWN_STATUSES = new Set<string>(Object.values(MaintenanceStatus));
const ONGOING_STATUSES: string[] = [
  MaintenanceStatus.DETECTED,
  MaintenanceStatus.QUARANTINE_TRIGGERED,
  MaintenanceStatus.MAINTENANCE_ONGOING,
];
const NEWEST_UPDATE_FIRST: Sort = { [P.lastUpdatedTimestamp]: -1, [P.eventId]: 1 };

export class MongoMaintenanceEventStore implements MaintenanceEventStore {
  readonly #ctx: MongoStoreContext;

  constructor(ctx: MongoStoreContext) {
    this.#ctx = ctx;
  }

  get #collection() {
    return this.#ctx.maintenanceEvents;
  }

  async upsertMaintenanceEvent(event: MaintenanceEvent): Promise<void> {
    if (!event || typeof event !== 'object' || typeof event.eventId !== 'string' || event.eventId === '') {
      throw validationError('upsertMaintenanceEvent: event.eventId must be a non-empty string');
    }
    const document = maintenanceEventToDocument(event);
    await this.#ctx.run('update', 'upsert maintenance event', () =>
      this.#collection.replaceOne({ [P.eventId]: event.eventId }, document, { upsert: true }),
    );
  }

  async findMaintenanceEventById(eventId: string): Promise<MaintenanceEvent | null> {
    requireString('eventId', eventId);
    const doc = await this.#ctx.run('query', 'find maintenance event', () =>
      this.#collection.findOne({ [P.eventId]: eventId }),
    );
    return doc ? maintenanceEventFromBson(doc) : null;
  }

  findEventsToTriggerQuarantine(triggerWithinMs: number, now: Date = new Date()): Promise<MaintenanceEvent[]> {
    requireDuration('triggerWithinMs', triggerWithinMs);
    const until = new Date(now.getTime() + triggerWithinMs);
    return this.#find(
      { [P.status]: MaintenanceStatus.DETECTED, [P.scheduledStartTime]: { $gt: now, $lte: until } },
      { [P.scheduledStartTime]: 1, [P.eventId]: 1 },
      'find maintenance events to trigger quarantine',
    );
  }

  findEventsToTriggerHealthy(healthyDelayMs: number, now: Date = new Date()): Promise<MaintenanceEvent[]> {
    requireDuration('healthyDelayMs', healthyDelayMs);
    const before = new Date(now.getTime() - healthyDelayMs);
    return this.#find(
      // $lte on a date never matches null or a missing field, so "not null" is implied.
      { [P.status]: MaintenanceStatus.MAINTENANCE_COMPLETE, [P.actualEndTime]: { $lte: before } },
      { [P.actualEndTime]: 1, [P.eventId]: 1 },
      'find maintenance events to trigger healthy',
    );
  }

  async updateEventStatus(eventId: string, status: MaintenanceStatus): Promise<void> {
    requireString('eventId', eventId);
    if (!KNOWN_STATUSES.has(status)) {
      throw validationError(
        `updateEventStatus: unknown status ${JSON.stringify(status)}; use one of ${[...KNOWN_STATUSES].join(', ')}`,
      );
    }
    const result = await this.#ctx.run('update', 'update maintenance event status', () =>
      this.#collection.updateOne(
        { [P.eventId]: eventId },
        { $set: { [P.status]: status, [P.lastUpdatedTimestamp]: new Date() } },
      ),
    );
    if (result.matchedCount === 0) throw notFoundError('maintenance event', eventId);
  }

  async getLastProcessedEventTimestampByCSP(clusterName: string, csp: string): Promise<Date | null> {
    requireString('clusterName', clusterName);
    requireString('csp', csp);
    const doc = await this.#ctx.run('query', 'get last processed maintenance event timestamp', () =>
      this.#collection.findOne(
        { [P.clusterName]: clusterName, [P.csp]: csp },
        { sort: { [P.eventReceivedTimestamp]: -1 }, projection: { [P.eventReceivedTimestamp]: 1 } },
      ),
    );
    const latest: unknown = doc?.[P.eventReceivedTimestamp];
    return latest instanceof Date ? latest : null;
  }

  async findLatestActiveEventByNodeAndType(
    nodeName: string,
    maintenanceType: string,
    statuses: MaintenanceStatus[],
  ): Promise<MaintenanceEvent | null> {
    requireString('nodeName', nodeName);
    requireString('maintenanceType', maintenanceType);
    if (!Array.isArray(statuses)) throw validationError('statuses must be an array of maintenance statuses');
    const [latest] = await this.#find(
      { [P.nodeName]: nodeName, [P.maintenanceType]: maintenanceType, [P.status]: { $in: statuses } },
      NEWEST_UPDATE_FIRST,
      'find latest active maintenance event',
      1,
    );
    return latest ?? null;
  }

  async findLatestOngoingEventByNode(nodeName: string): Promise<MaintenanceEvent | null> {
    requireString('nodeName', nodeName);
    const [latest] = await this.#find(
      { [P.nodeName]: nodeName, [P.status]: { $in: ONGOING_STATUSES } },
      NEWEST_UPDATE_FIRST,
      'find latest ongoing maintenance event',
      1,
    );
    return latest ?? null;
  }

  findActiveEventsByStatuses(csp: string, cspStatuses: string[]): Promise<MaintenanceEvent[]> {
    requireString('csp', csp);
    if (!Array.isArray(cspStatuses)) throw validationError('cspStatuses must be an array of strings');
    return this.#find(
      { [P.csp]: csp, [P.cspStatus]: { $in: cspStatuses } },
      { [P.eventReceivedTimestamp]: 1, [P.eventId]: 1 },
      'find maintenance events by CSP status',
    );
  }

  async aggregate(pipeline: Pipeline): Promise<Document[]> {
    requirePipeline(pipeline);
    const docs = await this.#ctx.run('query', 'aggregate maintenance events', () =>
      this.#collection.aggregate(pipeline).toArray(),
    );
    return docs.map(documentFromBson);
  }

  async #find(filter: BsonDocument, sort: Sort, action: string, limit?: number): Promise<MaintenanceEvent[]> {
    const docs = await this.#ctx.run('query', action, () =>
      this.#collection.find(filter, { sort, ...(limit === undefined ? {} : { limit }) }).toArray(),
    );
    return docs.map(maintenanceEventFromBson);
  }
}

function requireDuration(name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw validationError(`${name} must be a non-negative number of milliseconds, got ${JSON.stringify(value)}`);
  }
}
