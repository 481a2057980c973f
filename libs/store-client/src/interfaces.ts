/**
 * The datastore contract every provider implements (mongodb, postgresql, embedded).
 * Components program against these interfaces only; which database is behind them is a
 * configuration choice. Shapes follow upstream NVSentinel's store-client (camelCase methods),
 * plus `aggregate` and `watch`.
 */
import type {
  HealthEvent,
  HealthEventStatus,
  HealthEventWithStatus,
  MaintenanceEvent,
  MaintenanceStatus,
  OperationStatus,
} from '@nvsentinel/health-model';

/** A MongoDB query filter over the canonical stored document (lowercase keys). */
export type Filter = Record<string, unknown>;
/** A MongoDB aggregation pipeline over the canonical stored document. */
export type Pipeline = Record<string, unknown>[];
/** A canonical stored document as returned by `aggregate` (dates revived as `Date`). */
export type Document = Record<string, unknown>;

export interface DataStore {
  /** 'mongodb' | 'postgresql' | 'embedded' (or a third-party provider's name). */
  readonly provider: string;
  readonly capabilities: DataStoreCapabilities;
  healthEventStore(): HealthEventStore;
  maintenanceEventStore(): MaintenanceEventStore;
  /** Round trip to the server; throws a DatastoreError (code connection/timeout/…) when unreachable. */
  ping(): Promise<void>;
  /** Closes pools and open change streams. Idempotent. */
  close(): Promise<void>;
  /**
   * Providers that keep their own changelog (postgresql, embedded): deletes the changes every
   * consumer is past and that are older than the retention window, and every change older than
   * the maximum age (`changelogMaxAgeMs`) whoever still needs it, now. A consumer whose position
   * the maximum age passed gets a history-lost notification (`WatchOptions.onHistoryLost`). The
   * datastore also runs it periodically. Returns the number of changes deleted.
   */
  purgeChangelog?(options?: PurgeChangelogOptions): Promise<number>;
}

export interface PurgeChangelogOptions {
  /**
   * The time ages are measured against; default the database server's clock. Lets tests age
   * the changelog without waiting.
   */
  now?: Date;
}

/**
 * What differs between providers, as flags rather than `if (provider === …)`
 * (like kysely's DialectAdapter). Defaults live in `DEFAULT_CAPABILITIES`.
 */
export interface DataStoreCapabilities {
  /** Change-stream `$match` is evaluated by the server (false: evaluated in-process, same semantics). */
  readonly serverSideChangeStreamFilter: boolean;
  /** More than one connection can work concurrently (false for the in-process embedded engine). */
  readonly concurrentConnections: boolean;
  /** Documents expire by `createdAt` TTL on the server. */
  readonly ttlExpiry: boolean;
  /**
   * The provider keeps its own changelog for change streams (postgresql, embedded), trimmed by
   * `purgeChangelog` under `changelogRetentionMs` and `changelogMaxAgeMs`. False when the
   * server's own log governs history (MongoDB's oplog).
   */
  readonly ownChangelog: boolean;
}

export const DEFAULT_CAPABILITIES: DataStoreCapabilities = {
  serverSideChangeStreamFilter: true,
  concurrentConnections: true,
  ttlExpiry: false,
  ownChangelog: true,
};

/** A new event to store: the status starts empty unless given. */
export interface NewHealthEvent {
  healthEvent: HealthEvent;
  healthEventStatus?: Partial<HealthEventStatus>;
  /** Defaults to the insert time. */
  createdAt?: Date;
}

export interface FindOptions {
  /** MongoDB sort spec, e.g. `{ createdAt: -1 }`. */
  sort?: Record<string, 1 | -1>;
  limit?: number;
  skip?: number;
}

export interface HealthEventStore {
  /** Stores a batch in one round trip; returns the new ids in input order. */
  insertHealthEvents(...events: NewHealthEvent[]): Promise<string[]>;
  findHealthEventById(id: string): Promise<HealthEventWithStatus | null>;
  findHealthEventsByNode(nodeName: string): Promise<HealthEventWithStatus[]>;
  findHealthEventsByFilter(filter: Filter, options?: FindOptions): Promise<HealthEventWithStatus[]>;
  /** Events whose quarantine status or pod-eviction status equals `status`. */
  findHealthEventsByStatus(status: string): Promise<HealthEventWithStatus[]>;
  /** Newest by `createdAt`, or null. */
  findLatestEventForNode(nodeName: string): Promise<HealthEventWithStatus | null>;
  /** Newest match by `options.sort` (default createdAt desc), or null. */
  findLatestHealthEventByFilter(filter: Filter, options?: FindOptions): Promise<HealthEventWithStatus | null>;
  /**
   * Streams matches in pages of `batchSize` (bounded memory). Undecodable documents are
   * skipped (and logged); an error thrown by `fn` stops the iteration and is rethrown.
   */
  findHealthEventsByQueryBatched(
    filter: Filter,
    batchSize: number,
    fn: (batch: HealthEventWithStatus[]) => Promise<void> | void,
  ): Promise<void>;
  countHealthEvents(filter?: Filter): Promise<number>;
  /** True if any event on the node has pod-eviction status Succeeded. */
  checkIfNodeAlreadyDrained(nodeName: string): Promise<boolean>;
  /** Replaces the whole status. Throws not_found for an unknown id. */
  updateHealthEventStatus(id: string, status: HealthEventStatus): Promise<void>;
  /** Replaces the status of every event on the node; returns how many were updated. */
  updateHealthEventStatusByNode(nodeName: string, status: HealthEventStatus): Promise<number>;
  /** Sets nodequarantined (+quarantinefinishtimestamp for Quarantined/AlreadyQuarantined, +spanids.fault-quarantine). */
  updateNodeQuarantineStatus(id: string, status: string, spanId?: string): Promise<void>;
  /** Sets userpodsevictionstatus (+drainfinishtimestamp for Succeeded/AlreadyDrained). */
  updatePodEvictionStatus(id: string, status: OperationStatus): Promise<void>;
  /** Sets faultremediated (+lastremediationtimestamp when true, +spanids.fault-remediation), in one write. */
  updateRemediationStatus(id: string, remediated: boolean, spanId?: string): Promise<void>;
  /** Sets healtheventstatus.spanids.<service>. */
  updateSpanId(id: string, service: string, spanId: string): Promise<void>;
  /** MongoDB `$set` of dotted canonical paths on every match; returns how many were updated. */
  updateHealthEventsByFilter(filter: Filter, set: Record<string, unknown>): Promise<number>;
  deleteHealthEvent(id: string): Promise<void>;
  aggregate(pipeline: Pipeline): Promise<Document[]>;
  watch(options: WatchOptions): ChangeStream;
}

export interface MaintenanceEventStore {
  /** Inserts or replaces by `eventId`. */
  upsertMaintenanceEvent(event: MaintenanceEvent): Promise<void>;
  findMaintenanceEventById(eventId: string): Promise<MaintenanceEvent | null>;
  /** Status DETECTED and now < scheduledStartTime <= now + triggerWithinMs. */
  findEventsToTriggerQuarantine(triggerWithinMs: number, now?: Date): Promise<MaintenanceEvent[]>;
  /** Status MAINTENANCE_COMPLETE with actualEndTime <= now - healthyDelayMs. */
  findEventsToTriggerHealthy(healthyDelayMs: number, now?: Date): Promise<MaintenanceEvent[]>;
  updateEventStatus(eventId: string, status: MaintenanceStatus): Promise<void>;
  /** Latest `eventReceivedTimestamp` for the cluster/CSP, or null. */
  getLastProcessedEventTimestampByCSP(clusterName: string, csp: string): Promise<Date | null>;
  findLatestActiveEventByNodeAndType(
    nodeName: string,
    maintenanceType: string,
    statuses: MaintenanceStatus[],
  ): Promise<MaintenanceEvent | null>;
  /** Status DETECTED, QUARANTINE_TRIGGERED or MAINTENANCE_ONGOING; newest first. */
  findLatestOngoingEventByNode(nodeName: string): Promise<MaintenanceEvent | null>;
  findActiveEventsByStatuses(csp: string, cspStatuses: string[]): Promise<MaintenanceEvent[]>;
  aggregate(pipeline: Pipeline): Promise<Document[]>;
}

export interface WatchOptions {
  /** Names the consumer; its resume token is stored under this name. */
  clientName: string;
  /** `$match` stages over the change event (operationType, fullDocument.*, updateDescription.*). */
  pipeline?: Pipeline;
  /**
   * 'resume' (default): continue after the stored token, or from now when there is none.
   * 'now': discard the stored token and start from now (upstream's resume-control CREATE).
   */
  startAt?: 'resume' | 'now';
  /**
   * Called when changes this consumer had not processed can no longer be delivered (MongoDB: the
   * token fell off the oplog; postgresql/embedded: the changelog maximum age passed the
   * consumer's position). The stored token is deleted and the stream continues from now.
   * Without a listener, history lost at start-up is only logged (the consumer is starting and
   * runs its start-up scan anyway), while history lost at runtime ends the iteration with
   * DatastoreError code `resume_token` so the consumer restarts — upstream NVSentinel's behaviour.
   */
  onHistoryLost?: HistoryLostListener;
}

/** Where a change stream was when it found its history lost. */
export type ChangeStreamPhase = 'initialization' | 'runtime';

export interface HistoryLostInfo {
  clientName: string;
  /** 'initialization': at open with the stored token; 'runtime': while streaming. */
  phase: ChangeStreamPhase;
  /**
   * 'token-unusable': the stream cannot resume from its position (MongoDB: server codes
   * 286/280/260/9, usually because it fell off the oplog; SQL providers: the changelog maximum
   * age deleted changes after it); 'invalidated': the collection was dropped or renamed.
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

export type OperationType = 'insert' | 'update' | 'delete';

/** One change, in MongoDB's change-event shape on every provider. */
export interface ChangeEvent {
  /** Opaque; pass to `markProcessed` once handled. */
  resumeToken: string;
  operationType: OperationType;
  documentKey: { _id: string };
  /** The document as it is now (looked up at read time, like `updateLookup`); null if deleted since. */
  fullDocument: Document | null;
  /** Present for updates: dotted paths exactly as MongoDB reports them. */
  updateDescription?: { updatedFields: Record<string, unknown>; removedFields: string[] };
  /** Commit time of the change. */
  clusterTime: Date;
}

export interface ChangeStream extends AsyncIterable<ChangeEvent> {
  readonly clientName: string;
  /**
   * Records that every event up to and including this token is handled; a restart resumes
   * after it. Marking an older token than the stored one leaves the stored one in place, so
   * unawaited calls finishing out of order are harmless; with concurrent handlers, mark a
   * low-water mark (every earlier event handled), not simply the latest token.
   */
  markProcessed(resumeToken: string): Promise<void>;
  /**
   * Resolves once the stream's start position is fixed (the stored token, or "now"): every change
   * committed afterwards will be delivered. Iterating starts the stream too; this only lets a
   * caller wait for it. Optional for providers that position at `watch()` synchronously.
   */
  started?(): Promise<void>;
  /**
   * After `started()`: 'resumed' when the stream continues from this consumer's stored token (or
   * re-delivers retained history), 'fresh' when there was none and it began at "now" — a first
   * start, or `startAt: 'now'`; whatever was stored before is then the consumer's cold-start scan
   * to find. Undefined before the start and on providers that cannot tell.
   */
  startedFrom?(): 'resumed' | 'fresh' | undefined;
  /** Number of changes after the stored token that match this stream (backlog metric). */
  backlog(): Promise<number>;
  /**
   * Providers whose delivery waits for older transactions to finish (postgresql, embedded):
   * whether committed changes are waiting behind a running transaction, and which one.
   */
  blockingTransaction?(): Promise<BlockingTransaction>;
  close(): Promise<void>;
}

/** What holds a change stream's delivery back (see `ChangeStream.blockingTransaction`). */
export interface BlockingTransaction {
  /** Committed changes exist after the stream's position that cannot be delivered yet. */
  changesWaiting: boolean;
  /** The oldest running transaction (the horizon), when the server reports it. */
  transaction: { pid: number; xid: string; startedAt: Date | null; state: string | null; query: string | null } | null;
}
