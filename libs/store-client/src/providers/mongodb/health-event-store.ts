/**
 * HealthEventStore over the HealthEvents collection. Filters and `$set` paths are the canonical
 * ones and go to the server natively (only `_id` hex strings become ObjectIds); results come
 * back through health-model's fromDocument, so callers see exactly what the SQL providers return.
 */
import { ObjectId, type Document as BsonDocument, type Sort } from 'mongodb';
import {
  DocumentPaths,
  EvictionStatus,
  QuarantineStatus,
  newHealthEventStatus,
  spanIdPath,
  statusToDocument,
  type HealthEventStatus,
  type HealthEventWithStatus,
  type OperationStatus,
} from '@nvsentinel/health-model';

import type {
  ChangeStream,
  Document,
  Filter,
  FindOptions,
  HealthEventStore,
  NewHealthEvent,
  Pipeline,
} from '../../interfaces.js';
import { insertPipelineAsDocumentFilter } from './backlog-filter.js';
import { documentFromBson, objectIdFromHex } from './bson-values.js';
import { DriverChangeStreamSource } from './change-stream-source.js';
import { MongoChangeStream } from './change-stream.js';
import { healthEventFromBson, healthEventToBson, nowTimestamp } from './documents.js';
import { filterToBson } from './filters.js';
import type { MongoWatchOptions } from './hooks.js';
import { MongoResumeTokenStore } from './token-store.js';
import {
  notFoundError,
  requireFilter,
  requireId,
  requirePipeline,
  requireString,
  validationError,
  type MongoStoreContext,
} from './store-context.js';

const QUARANTINED_STATES = new Set<string>([QuarantineStatus.Quarantined, QuarantineStatus.AlreadyQuarantined]);
const DRAINED_STATES = new Set<string>([EvictionStatus.Succeeded, EvictionStatus.AlreadyDrained]);
/** Insertion order: ObjectIds from one process increase monotonically. */
const INSERTION_ORDER: Sort = { _id: 1 };

export class MongoHealthEventStore implements HealthEventStore {
  readonly #ctx: MongoStoreContext;

  constructor(ctx: MongoStoreContext) {
    this.#ctx = ctx;
  }

  get #collection() {
    return this.#ctx.healthEvents;
  }

  async insertHealthEvents(...events: NewHealthEvent[]): Promise<string[]> {
    if (events.length === 0) return [];
    const now = new Date();
    const documents = events.map((event, index) => {
      if (!event || typeof event !== 'object' || !event.healthEvent || typeof event.healthEvent !== 'object') {
        throw validationError(`insertHealthEvents: event ${index} has no healthEvent`, { index });
      }
      return healthEventToBson({
        id: new ObjectId().toHexString(),
        createdAt: event.createdAt ?? now,
        healthEvent: event.healthEvent,
        healthEventStatus: { ...newHealthEventStatus(), ...event.healthEventStatus },
      });
    });
    // insertMany is one round trip for any realistic batch (the driver splits only past 100k / 48 MB).
    await this.#ctx.run('insert', 'insert health events', () =>
      this.#collection.insertMany(documents, { ordered: true }),
    );
    return documents.map((d) => (d._id as ObjectId).toHexString());
  }

  async findHealthEventById(id: string): Promise<HealthEventWithStatus | null> {
    requireId(id);
    const _id = objectIdFromHex(id);
    if (!_id) return null;
    const doc = await this.#ctx.run('query', 'find health event by id', () => this.#collection.findOne({ _id }));
    return doc ? healthEventFromBson(doc) : null;
  }

  findHealthEventsByNode(nodeName: string): Promise<HealthEventWithStatus[]> {
    requireString('nodeName', nodeName);
    return this.#find({ [DocumentPaths.nodeName]: nodeName }, {}, 'find health events by node');
  }

  findHealthEventsByFilter(filter: Filter, options: FindOptions = {}): Promise<HealthEventWithStatus[]> {
    requireFilter(filter);
    return this.#find(filterToBson(filter), options, 'find health events by filter');
  }

  findHealthEventsByStatus(status: string): Promise<HealthEventWithStatus[]> {
    requireString('status', status);
    return this.#find(
      { $or: [{ [DocumentPaths.nodeQuarantined]: status }, { [DocumentPaths.evictionStatus]: status }] },
      {},
      'find health events by status',
    );
  }

  async findLatestEventForNode(nodeName: string): Promise<HealthEventWithStatus | null> {
    requireString('nodeName', nodeName);
    const [latest] = await this.#find(
      { [DocumentPaths.nodeName]: nodeName },
      { sort: { [DocumentPaths.createdAt]: -1, _id: -1 }, limit: 1 },
      'find latest event for node',
    );
    return latest ?? null;
  }

  async findLatestHealthEventByFilter(
    filter: Filter,
    options: FindOptions = {},
  ): Promise<HealthEventWithStatus | null> {
    requireFilter(filter);
    const sort = options.sort ?? { [DocumentPaths.createdAt]: -1, _id: -1 };
    const [latest] = await this.#find(
      filterToBson(filter),
      { sort, skip: options.skip, limit: 1 },
      'find latest health event',
    );
    return latest ?? null;
  }

  async findHealthEventsByQueryBatched(
    filter: Filter,
    batchSize: number,
    fn: (batch: HealthEventWithStatus[]) => Promise<void> | void,
  ): Promise<void> {
    requireFilter(filter);
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw validationError(`batchSize must be a whole number >= 1, got ${batchSize}`);
    }
    const cursor = this.#collection.find(filterToBson(filter), { sort: INSERTION_ORDER, batchSize });
    try {
      let batch: HealthEventWithStatus[] = [];
      for (;;) {
        const doc = await this.#ctx.run('query', 'find health events in batches', () => cursor.next());
        if (doc === null) break;
        try {
          batch.push(healthEventFromBson(doc));
        } catch (err) {
          // Upstream contract: an undecodable document is skipped (and logged), the scan goes on.
          this.#ctx.logger.warn({ err, id: String(doc._id) }, 'skipping undecodable health event');
        }
        if (batch.length === batchSize) {
          await fn(batch);
          batch = [];
        }
      }
      if (batch.length > 0) await fn(batch);
    } finally {
      await cursor.close().catch(() => undefined);
    }
  }

  async countHealthEvents(filter: Filter = {}): Promise<number> {
    requireFilter(filter);
    return this.#ctx.run('query', 'count health events', () => this.#collection.countDocuments(filterToBson(filter)));
  }

  async checkIfNodeAlreadyDrained(nodeName: string): Promise<boolean> {
    requireString('nodeName', nodeName);
    const n = await this.#ctx.run('query', 'check if node already drained', () =>
      this.#collection.countDocuments(
        { [DocumentPaths.nodeName]: nodeName, [DocumentPaths.evictionStatus]: EvictionStatus.Succeeded },
        { limit: 1 },
      ),
    );
    return n > 0;
  }

  async updateHealthEventStatus(id: string, status: HealthEventStatus): Promise<void> {
    requireStatus(status);
    await this.#updateById(
      id,
      { [DocumentPaths.healthEventStatus]: statusToDocument(status) },
      'update health event status',
    );
  }

  async updateHealthEventStatusByNode(nodeName: string, status: HealthEventStatus): Promise<number> {
    requireString('nodeName', nodeName);
    requireStatus(status);
    return this.#updateMany(
      { [DocumentPaths.nodeName]: nodeName },
      { [DocumentPaths.healthEventStatus]: statusToDocument(status) },
      'update health event status by node',
    );
  }

  async updateNodeQuarantineStatus(id: string, status: string, spanId?: string): Promise<void> {
    requireString('status', status);
    const sets: BsonDocument = { [DocumentPaths.nodeQuarantined]: status };
    if (QUARANTINED_STATES.has(status)) sets[DocumentPaths.quarantineFinishTimestamp] = nowTimestamp();
    if (spanId) sets[spanIdPath('fault-quarantine')] = spanId;
    await this.#updateById(id, sets, 'update node quarantine status');
  }

  async updatePodEvictionStatus(id: string, status: OperationStatus): Promise<void> {
    if (!status || typeof status.status !== 'string') {
      throw validationError('updatePodEvictionStatus: status must be {status: string, message: string}');
    }
    const sets: BsonDocument = {
      [DocumentPaths.userPodsEvictionStatus]: { status: status.status, message: status.message ?? '' },
    };
    if (DRAINED_STATES.has(status.status)) sets[DocumentPaths.drainFinishTimestamp] = nowTimestamp();
    await this.#updateById(id, sets, 'update pod eviction status');
  }

  async updateRemediationStatus(id: string, remediated: boolean, spanId?: string): Promise<void> {
    if (typeof remediated !== 'boolean') {
      throw validationError(`updateRemediationStatus: remediated must be a boolean, got ${JSON.stringify(remediated)}`);
    }
    const sets: BsonDocument = { [DocumentPaths.faultRemediated]: { value: remediated } };
    if (remediated) sets[DocumentPaths.lastRemediationTimestamp] = nowTimestamp();
    if (spanId) sets[spanIdPath('fault-remediation')] = spanId;
    await this.#updateById(id, sets, 'update remediation status');
  }

  async updateSpanId(id: string, service: string, spanId: string): Promise<void> {
    requireString('spanId', spanId);
    let path: string;
    try {
      path = spanIdPath(service);
    } catch (err) {
      throw validationError(`updateSpanId: ${(err as Error).message}`);
    }
    await this.#updateById(id, { [path]: spanId }, 'update span id');
  }

  async updateHealthEventsByFilter(filter: Filter, set: Record<string, unknown>): Promise<number> {
    requireFilter(filter);
    if (!set || typeof set !== 'object' || Object.keys(set).length === 0) {
      throw validationError(
        'updateHealthEventsByFilter: pass the fields to $set, e.g. {"healtheventstatus.nodequarantined": "Cancelled"}',
      );
    }
    for (const path of Object.keys(set)) {
      if (path.startsWith('$')) {
        throw validationError(
          `updateHealthEventsByFilter: '${path}' is an update operator; pass only the contents of $set (other operators are not supported)`,
        );
      }
      if (path === '_id' || path.split('.').some((segment) => segment === '' || segment.startsWith('$'))) {
        throw validationError(
          `updateHealthEventsByFilter: cannot set '${path}': _id is immutable and path segments must be non-empty and not start with '$'`,
        );
      }
    }
    return this.#updateMany(filterToBson(filter), set, 'update health events by filter');
  }

  async deleteHealthEvent(id: string): Promise<void> {
    requireId(id);
    const _id = objectIdFromHex(id);
    if (!_id) throw notFoundError('health event', id);
    const result = await this.#ctx.run('delete', 'delete health event', () => this.#collection.deleteOne({ _id }));
    if (result.deletedCount === 0) throw notFoundError('health event', id);
  }

  async aggregate(pipeline: Pipeline): Promise<Document[]> {
    requirePipeline(pipeline);
    const docs = await this.#ctx.run('query', 'aggregate health events', () =>
      this.#collection.aggregate(pipeline).toArray(),
    );
    return docs.map(documentFromBson);
  }

  watch(options: MongoWatchOptions): ChangeStream {
    if (!options || typeof options.clientName !== 'string' || options.clientName === '') {
      throw validationError('watch: clientName is required (it names the consumer whose position is stored)');
    }
    requireMatchStages(options.pipeline);
    const { hooks } = this.#ctx;
    const backlogFilter = filterToBson(insertPipelineAsDocumentFilter(options.pipeline ?? []) ?? {});
    const stream: MongoChangeStream = new MongoChangeStream({
      clientName: options.clientName,
      startAt: options.startAt ?? 'resume',
      source: new DriverChangeStreamSource(this.#collection, options.pipeline ?? []),
      tokens: new MongoResumeTokenStore(this.#ctx.db, this.#ctx.names.resumeTokens),
      logger: this.#ctx.logger,
      policy: this.#ctx.changeStreamPolicy,
      onHistoryLost: options.onHistoryLost ?? hooks.onHistoryLost,
      onResumeTokenRecovery: hooks.onResumeTokenRecovery,
      prepare: () => this.#ctx.inspectTopology(),
      explainFatal: (err) => this.#ctx.explainChangeStreamFailure(err),
      countAfter: (lastDocumentId) =>
        this.#ctx.run('query', 'count change-stream backlog', () =>
          this.#collection.countDocuments({
            $and: [{ _id: { $gt: ObjectId.createFromHexString(lastDocumentId) } }, backlogFilter],
          }),
        ),
      onClose: () => this.#ctx.streamClosed(stream),
    });
    this.#ctx.streamOpened(stream);
    return stream;
  }

  async #find(filter: BsonDocument, options: FindOptions, action: string): Promise<HealthEventWithStatus[]> {
    const docs = await this.#ctx.run('query', action, () =>
      this.#collection
        .find(filter, {
          sort: options.sort ?? INSERTION_ORDER,
          ...(options.skip === undefined ? {} : { skip: options.skip }),
          ...(options.limit === undefined ? {} : { limit: options.limit }),
        })
        .toArray(),
    );
    return docs.map(healthEventFromBson);
  }

  async #updateById(id: string, sets: BsonDocument, action: string): Promise<void> {
    requireId(id);
    const _id = objectIdFromHex(id);
    if (!_id) throw notFoundError('health event', id);
    const result = await this.#ctx.run('update', action, () => this.#collection.updateOne({ _id }, { $set: sets }));
    if (result.matchedCount === 0) throw notFoundError('health event', id);
  }

  async #updateMany(filter: BsonDocument, sets: BsonDocument, action: string): Promise<number> {
    const result = await this.#ctx.run('update', action, () => this.#collection.updateMany(filter, { $set: sets }));
    return result.matchedCount;
  }
}

/**
 * The server would accept more stages, but the shared contract is `$match` over the change event
 * (what upstream subscribes with), so a pipeline that works here works on every provider.
 */
function requireMatchStages(pipeline: unknown): void {
  if (pipeline === undefined) return;
  if (!Array.isArray(pipeline)) throw validationError('watch: pipeline must be an array of $match stages');
  pipeline.forEach((stage: unknown, index) => {
    const keys = stage && typeof stage === 'object' ? Object.keys(stage) : [];
    if (keys.length !== 1 || keys[0] !== '$match') {
      throw validationError(
        `watch: pipeline stage ${index} is ${keys.join(',') || JSON.stringify(stage)}; change-stream pipelines may only contain $match stages`,
        { index },
      );
    }
  });
}

function requireStatus(status: unknown): void {
  if (!status || typeof status !== 'object' || !('userPodsEvictionStatus' in status)) {
    throw validationError('status must be a HealthEventStatus (start from newHealthEventStatus())');
  }
}
