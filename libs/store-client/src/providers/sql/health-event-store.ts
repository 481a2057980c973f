/**
 * HealthEventStore over the `health_events` table, shared by the postgresql and embedded
 * providers. Reads decode the JSONB document; writes are MongoDB-style `$set`s of canonical
 * dotted paths applied in SQL (nvs_set_paths), announced to the changelog trigger so change
 * events report `updatedFields` exactly as MongoDB would. The extracted columns are GENERATED
 * from the document, so every write keeps them consistent.
 */
import { randomUUID } from 'node:crypto';
import { sql, type RawBuilder } from 'kysely';
import {
  DocumentPaths,
  newHealthEventStatus,
  spanIdPath,
  statusToDocument,
  toDocument,
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
  WatchOptions,
} from '../../interfaces.js';
import { compileFilter, compilePipeline, type CompileOptions } from '../../query/index.js';
import { LOOKUP_COLLECTIONS, LOOKUP_INDEXED_COLUMNS } from './collections.js';
import { PREPARE_MARKER, announcePaths, type SqlContext } from './context.js';
import { decodeHealthEventRow, decodeJson, encodeJson, isStoredId, nowTimestamp } from './documents.js';
import { SqlChangeStream } from './change-stream.js';

/** Canonical paths mirrored in indexed columns: equality and ranges on them use the index. */
const INDEXED_PATHS: CompileOptions['indexedPaths'] = {
  [DocumentPaths.nodeName]: { column: sql.ref('node_name'), type: 'text' },
  [DocumentPaths.checkName]: { column: sql.ref('check_name'), type: 'text' },
  [DocumentPaths.nodeQuarantined]: { column: sql.ref('node_quarantined'), type: 'text' },
  [DocumentPaths.evictionStatus]: { column: sql.ref('eviction_status'), type: 'text' },
  [DocumentPaths.createdAt]: { column: sql.ref('created_at'), type: 'timestamptz' },
  [DocumentPaths.generatedTimestampSeconds]: { column: sql.ref('generated_seconds'), type: 'numeric' },
};

/**
 * The statement `aggregate(pipeline)` runs on postgresql and embedded (without the prepare
 * marker), for tools that EXPLAIN it: rows `{ doc }`.
 */
export function compileHealthEventAggregation(pipeline: Pipeline): RawBuilder<{ doc: unknown }> {
  // The source exposes the indexed columns so the pipeline's leading $match stages can use them.
  const source = sql`(SELECT document AS doc, node_name, check_name, node_quarantined, eviction_status, created_at, generated_seconds FROM health_events)`;
  return compilePipeline(pipeline, source, {
    collections: LOOKUP_COLLECTIONS,
    lookupIndexedColumns: LOOKUP_INDEXED_COLUMNS,
    indexedPaths: INDEXED_PATHS,
  });
}

const QUARANTINED_STATES = new Set(['Quarantined', 'AlreadyQuarantined']);
const DRAINED_STATES = new Set(['Succeeded', 'AlreadyDrained']);

export class SqlHealthEventStore implements HealthEventStore {
  readonly #ctx: SqlContext;

  constructor(ctx: SqlContext) {
    this.#ctx = ctx;
  }

  async insertHealthEvents(...events: NewHealthEvent[]): Promise<string[]> {
    if (events.length === 0) return [];
    const now = new Date();
    const documents = events.map((event, index) => {
      if (!event || typeof event !== 'object' || !event.healthEvent || typeof event.healthEvent !== 'object') {
        throw this.#ctx.validation(`insertHealthEvents: event ${index} has no healthEvent`, { index });
      }
      if (
        event.createdAt !== undefined &&
        !(event.createdAt instanceof Date && !Number.isNaN(event.createdAt.getTime()))
      ) {
        throw this.#ctx.validation(
          `insertHealthEvents: event ${index} has an invalid createdAt; pass a valid Date or leave it unset`,
          { index },
        );
      }
      const record: HealthEventWithStatus = {
        id: randomUUID(),
        createdAt: event.createdAt ?? now,
        healthEvent: event.healthEvent,
        healthEventStatus: { ...newHealthEventStatus(), ...event.healthEventStatus },
      };
      try {
        return toDocument(record);
      } catch (err) {
        throw this.#ctx.validation(`insertHealthEvents: event ${index} cannot be stored: ${(err as Error).message}`, {
          index,
        });
      }
    });
    // One statement, one round trip, however large the batch.
    await this.#ctx.run('insert health events', (db) =>
      sql`INSERT INTO health_events (id, document)
          SELECT (d ->> '_id')::uuid, d FROM jsonb_array_elements(${encodeJson(documents)}::jsonb) AS d`.execute(db),
    );
    return documents.map((d) => d._id);
  }

  async findHealthEventById(id: string): Promise<HealthEventWithStatus | null> {
    if (!isStoredId(id, this.#ctx.provider)) return null;
    const rows = await this.#select(sql`id = ${id}::uuid`, 'find health event by id');
    return rows[0] ?? null;
  }

  findHealthEventsByNode(nodeName: string): Promise<HealthEventWithStatus[]> {
    this.#requireString('nodeName', nodeName);
    return this.#select(sql`node_name = ${nodeName}`, 'find health events by node');
  }

  async findHealthEventsByFilter(filter: Filter, options: FindOptions = {}): Promise<HealthEventWithStatus[]> {
    this.#requireFilter(filter);
    if (!options.sort && options.limit === undefined && options.skip === undefined) {
      return this.#select(
        compileFilter(filter, sql.ref('document'), { indexedPaths: INDEXED_PATHS }),
        'find health events by filter',
      );
    }
    const pipeline: Pipeline = [{ $match: filter }];
    if (options.sort) pipeline.push({ $sort: options.sort });
    if (options.skip !== undefined) pipeline.push({ $skip: options.skip });
    if (options.limit !== undefined) pipeline.push({ $limit: options.limit });
    const docs = await this.#aggregateRaw(pipeline, 'find health events by filter');
    return docs.map((doc) => decodeHealthEventRow(doc, this.#ctx.provider));
  }

  findHealthEventsByStatus(status: string): Promise<HealthEventWithStatus[]> {
    this.#requireString('status', status);
    return this.#select(
      sql`(node_quarantined = ${status} OR eviction_status = ${status})`,
      'find health events by status',
    );
  }

  async findLatestEventForNode(nodeName: string): Promise<HealthEventWithStatus | null> {
    this.#requireString('nodeName', nodeName);
    const rows = await this.#ctx.run('find latest event for node', (db) =>
      sql<{ document: unknown }>`SELECT document FROM health_events WHERE node_name = ${nodeName}
        ORDER BY created_at DESC, seq DESC LIMIT 1`.execute(db),
    );
    return rows.rows[0] ? decodeHealthEventRow(rows.rows[0].document, this.#ctx.provider) : null;
  }

  async findLatestHealthEventByFilter(
    filter: Filter,
    options: FindOptions = {},
  ): Promise<HealthEventWithStatus | null> {
    const found = await this.findHealthEventsByFilter(filter, {
      sort: options.sort ?? { createdAt: -1 },
      skip: options.skip,
      limit: 1,
    });
    return found[0] ?? null;
  }

  async findHealthEventsByQueryBatched(
    filter: Filter,
    batchSize: number,
    fn: (batch: HealthEventWithStatus[]) => Promise<void> | void,
  ): Promise<void> {
    this.#requireFilter(filter);
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw this.#ctx.validation(`batchSize must be a whole number >= 1, got ${batchSize}`);
    }
    const condition = compileFilter(filter, sql.ref('document'), { indexedPaths: INDEXED_PATHS });
    let after = '0';
    for (;;) {
      const page = await this.#ctx.run('find health events in batches', (db) =>
        sql<{ seq: string; document: unknown }>`SELECT seq::text AS seq, document FROM health_events
          WHERE seq > ${after}::bigint AND ${condition} ORDER BY seq LIMIT ${batchSize}`.execute(db),
      );
      if (page.rows.length === 0) return;
      after = page.rows.at(-1)!.seq;
      const batch: HealthEventWithStatus[] = [];
      for (const row of page.rows) {
        try {
          batch.push(decodeHealthEventRow(row.document, this.#ctx.provider));
        } catch {
          // Upstream contract: an undecodable document is skipped, the scan goes on.
        }
      }
      if (batch.length > 0) await fn(batch);
      if (page.rows.length < batchSize) return;
    }
  }

  async countHealthEvents(filter: Filter = {}): Promise<number> {
    this.#requireFilter(filter);
    const condition = compileFilter(filter, sql.ref('document'), { indexedPaths: INDEXED_PATHS });
    const result = await this.#ctx.run('count health events', (db) =>
      sql<{ n: string }>`SELECT count(*)::text AS n FROM health_events WHERE ${condition}`.execute(db),
    );
    return Number(result.rows[0]?.n ?? 0);
  }

  async checkIfNodeAlreadyDrained(nodeName: string): Promise<boolean> {
    this.#requireString('nodeName', nodeName);
    const result = await this.#ctx.run('check if node already drained', (db) =>
      sql<{ drained: boolean }>`SELECT EXISTS (SELECT 1 FROM health_events
        WHERE node_name = ${nodeName} AND eviction_status = 'Succeeded') AS drained`.execute(db),
    );
    return result.rows[0]?.drained === true;
  }

  async updateHealthEventStatus(id: string, status: HealthEventStatus): Promise<void> {
    this.#requireStatus(status);
    await this.#updateById(
      id,
      { [DocumentPaths.healthEventStatus]: statusToDocument(status) },
      'update health event status',
    );
  }

  async updateHealthEventStatusByNode(nodeName: string, status: HealthEventStatus): Promise<number> {
    this.#requireString('nodeName', nodeName);
    this.#requireStatus(status);
    return this.#update(
      sql`node_name = ${nodeName}`,
      { [DocumentPaths.healthEventStatus]: statusToDocument(status) },
      'update health event status by node',
    );
  }

  async updateNodeQuarantineStatus(id: string, status: string, spanId?: string): Promise<void> {
    this.#requireString('status', status);
    const sets: Record<string, unknown> = { [DocumentPaths.nodeQuarantined]: status };
    if (QUARANTINED_STATES.has(status)) sets[DocumentPaths.quarantineFinishTimestamp] = nowTimestamp();
    if (spanId) sets[spanIdPath('fault-quarantine')] = spanId;
    await this.#updateById(id, sets, 'update node quarantine status');
  }

  async updatePodEvictionStatus(id: string, status: OperationStatus): Promise<void> {
    if (!status || typeof status.status !== 'string') {
      throw this.#ctx.validation('updatePodEvictionStatus: status must be {status: string, message: string}');
    }
    const sets: Record<string, unknown> = {
      [DocumentPaths.userPodsEvictionStatus]: { status: status.status, message: status.message ?? '' },
    };
    if (DRAINED_STATES.has(status.status)) sets[DocumentPaths.drainFinishTimestamp] = nowTimestamp();
    await this.#updateById(id, sets, 'update pod eviction status');
  }

  async updateRemediationStatus(id: string, remediated: boolean, spanId?: string): Promise<void> {
    if (typeof remediated !== 'boolean') {
      throw this.#ctx.validation(
        `updateRemediationStatus: remediated must be a boolean, got ${JSON.stringify(remediated)}`,
      );
    }
    const sets: Record<string, unknown> = { [DocumentPaths.faultRemediated]: { value: remediated } };
    if (remediated) sets[DocumentPaths.lastRemediationTimestamp] = nowTimestamp();
    if (spanId) sets[spanIdPath('fault-remediation')] = spanId;
    await this.#updateById(id, sets, 'update remediation status');
  }

  async updateSpanId(id: string, service: string, spanId: string): Promise<void> {
    this.#requireString('spanId', spanId);
    let path: string;
    try {
      path = spanIdPath(service);
    } catch (err) {
      throw this.#ctx.validation(`updateSpanId: ${(err as Error).message}`);
    }
    await this.#updateById(id, { [path]: spanId }, 'update span id');
  }

  async updateHealthEventsByFilter(filter: Filter, set: Record<string, unknown>): Promise<number> {
    this.#requireFilter(filter);
    if (!set || typeof set !== 'object' || Object.keys(set).length === 0) {
      throw this.#ctx.validation(
        'updateHealthEventsByFilter: pass the fields to $set, e.g. {"healtheventstatus.nodequarantined": "Cancelled"}',
      );
    }
    for (const path of Object.keys(set)) {
      if (path.startsWith('$')) {
        throw this.#ctx.validation(
          `updateHealthEventsByFilter: '${path}' is an update operator; pass only the contents of $set (other operators are not supported)`,
        );
      }
      if (path === '_id' || path.split('.').some((segment) => segment === '' || segment.startsWith('$'))) {
        throw this.#ctx.validation(
          `updateHealthEventsByFilter: cannot set '${path}': _id is immutable and path segments must be non-empty and not start with '$'`,
        );
      }
    }
    const paths = Object.keys(set).sort();
    for (let i = 1; i < paths.length; i++) {
      if (paths[i]!.startsWith(`${paths[i - 1]}.`)) {
        throw this.#ctx.validation(
          `updateHealthEventsByFilter: updating '${paths[i]}' would conflict with '${paths[i - 1]}' (as in MongoDB); set one or the other`,
        );
      }
    }
    const condition = compileFilter(filter, sql.ref('document'), { indexedPaths: INDEXED_PATHS });
    return this.#update(condition, set, 'update health events by filter');
  }

  async deleteHealthEvent(id: string): Promise<void> {
    if (!isStoredId(id, this.#ctx.provider)) throw this.#ctx.notFound('health event', id);
    const result = await this.#ctx.run('delete health event', (db) =>
      sql`DELETE FROM health_events WHERE id = ${id}::uuid`.execute(db),
    );
    if (Number(result.numAffectedRows ?? 0n) === 0) throw this.#ctx.notFound('health event', id);
  }

  async aggregate(pipeline: Pipeline): Promise<Document[]> {
    if (!Array.isArray(pipeline)) throw this.#ctx.validation('aggregate: pipeline must be an array of stages');
    const docs = await this.#aggregateRaw(pipeline, 'aggregate health events');
    return docs.map((doc) => decodeJson(doc) as Document);
  }

  watch(options: WatchOptions): ChangeStream {
    if (!options || typeof options.clientName !== 'string' || options.clientName === '') {
      throw this.#ctx.validation('watch: clientName is required (it names the consumer whose position is stored)');
    }
    if (options.pipeline !== undefined && !Array.isArray(options.pipeline)) {
      throw this.#ctx.validation('watch: pipeline must be an array of $match stages');
    }
    return new SqlChangeStream(this.#ctx, options);
  }

  async #aggregateRaw(pipeline: Pipeline, action: string): Promise<unknown[]> {
    const query = compileHealthEventAggregation(pipeline);
    // The compiled text depends on the pipeline's shape, not its values (those are parameters):
    // the marker lets the postgresql provider run it as a named statement, planned once.
    const result = await this.#ctx.run(action, (db) =>
      sql<{ doc: unknown }>`${sql.raw(PREPARE_MARKER)} ${query}`.execute(db),
    );
    return result.rows.map((row) => row.doc);
  }

  async #select(where: RawBuilder<unknown>, action: string): Promise<HealthEventWithStatus[]> {
    const result = await this.#ctx.run(action, (db) =>
      sql<{ document: unknown }>`SELECT document FROM health_events WHERE ${where} ORDER BY seq`.execute(db),
    );
    return result.rows.map((row) => decodeHealthEventRow(row.document, this.#ctx.provider));
  }

  async #updateById(id: string, sets: Record<string, unknown>, action: string): Promise<void> {
    if (!isStoredId(id, this.#ctx.provider)) throw this.#ctx.notFound('health event', id);
    const updated = await this.#update(sql`id = ${id}::uuid`, sets, action);
    if (updated === 0) throw this.#ctx.notFound('health event', id);
  }

  /** MongoDB `$set` of dotted paths on every row matching `where`; returns the matched count. */
  async #update(where: RawBuilder<unknown>, sets: Record<string, unknown>, action: string): Promise<number> {
    const result = await this.#ctx.run(action, (db) =>
      sql`WITH ${announcePaths(Object.keys(sets))}
          UPDATE health_events SET document = nvs_set_paths(document, ${encodeJson(sets)}::jsonb)
          FROM announced WHERE ${where}`.execute(db),
    );
    return Number(result.numAffectedRows ?? 0n);
  }

  #requireString(name: string, value: unknown): void {
    if (typeof value !== 'string') throw this.#ctx.validation(`${name} must be a string, got ${JSON.stringify(value)}`);
  }

  #requireFilter(filter: unknown): void {
    if (!filter || typeof filter !== 'object' || Array.isArray(filter)) {
      throw this.#ctx.validation(`filter must be a MongoDB filter object, got ${JSON.stringify(filter)}`);
    }
  }

  #requireStatus(status: unknown): void {
    if (!status || typeof status !== 'object' || !('userPodsEvictionStatus' in status)) {
      throw this.#ctx.validation('status must be a HealthEventStatus (start from newHealthEventStatus())');
    }
  }
}
