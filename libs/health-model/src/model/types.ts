/**
 * The typed, camelCase view of NVSentinel's data model. Field names and enum values are
 * exactly those of upstream's `health_event.proto` (package `datamodels`), so a HealthEvent
 * received over gRPC or HTTP maps onto these types one to one.
 *
 * Stored documents use a different, lowercase shape (see `../document/`); code never builds
 * documents by hand, it goes through `toDocument`/`fromDocument`.
 */

/** google.protobuf.Timestamp, kept lossless (a JS Date would drop the nanoseconds). */
export interface Timestamp {
  seconds: number;
  nanos: number;
}

export enum RecommendedAction {
  NONE = 0,
  COMPONENT_RESET = 2,
  CONTACT_SUPPORT = 5,
  RUN_FIELDDIAG = 6,
  RESTART_VM = 15,
  RESTART_BM = 24,
  REPLACE_VM = 25,
  RUN_DCGMEUD = 26,
  CUSTOM = 27,
  UNKNOWN = 99,
}

export enum ProcessingStrategy {
  UNSPECIFIED = 0,
  EXECUTE_REMEDIATION = 1,
  STORE_ONLY = 2,
  STORE_AND_ANALYSE = 3,
}

export interface Entity {
  entityType: string;
  entityValue: string;
}

export interface BehaviourOverrides {
  force: boolean;
  skip: boolean;
}

export interface HealthEvent {
  version: number;
  agent: string;
  componentClass: string;
  checkName: string;
  isFatal: boolean;
  isHealthy: boolean;
  message: string;
  recommendedAction: RecommendedAction;
  errorCode: string[];
  entitiesImpacted: Entity[];
  metadata: Record<string, string>;
  generatedTimestamp?: Timestamp;
  nodeName: string;
  quarantineOverrides?: BehaviourOverrides;
  drainOverrides?: BehaviourOverrides;
  processingStrategy: ProcessingStrategy;
  /** Datastore document id; empty on ingest. */
  id: string;
  customRecommendedAction: string;
}

export interface OperationStatus {
  status: string;
  message: string;
}

export interface HealthEventStatus {
  /** Quarantine status written by fault-quarantine; '' = not yet decided. */
  nodeQuarantined: string;
  quarantineFinishTimestamp?: Timestamp;
  userPodsEvictionStatus: OperationStatus;
  drainFinishTimestamp?: Timestamp;
  /** google.protobuf.BoolValue: null until fault-remediation decides. */
  faultRemediated: boolean | null;
  lastRemediationTimestamp?: Timestamp;
  spanIds: Record<string, string>;
}

/** One stored health event: what every consumer reads from the datastore. */
export interface HealthEventWithStatus {
  /** Datastore id (`_id` of the stored document). */
  id: string;
  createdAt: Date;
  healthEvent: HealthEvent;
  healthEventStatus: HealthEventStatus;
}

/** Values of `healtheventstatus.nodequarantined`. */
export const QuarantineStatus = {
  Quarantined: 'Quarantined',
  AlreadyQuarantined: 'AlreadyQuarantined',
  UnQuarantined: 'UnQuarantined',
  Cancelled: 'Cancelled',
} as const;
export type QuarantineStatus = (typeof QuarantineStatus)[keyof typeof QuarantineStatus];

/** Values of `healtheventstatus.userpodsevictionstatus.status` ('' = not started). */
export const EvictionStatus = {
  NotStarted: 'NotStarted',
  InProgress: 'InProgress',
  Failed: 'Failed',
  Succeeded: 'Succeeded',
  AlreadyDrained: 'AlreadyDrained',
  Cancelled: 'Cancelled',
} as const;
export type EvictionStatus = (typeof EvictionStatus)[keyof typeof EvictionStatus];

export const MaintenanceStatus = {
  DETECTED: 'DETECTED',
  QUARANTINE_TRIGGERED: 'QUARANTINE_TRIGGERED',
  MAINTENANCE_ONGOING: 'MAINTENANCE_ONGOING',
  MAINTENANCE_COMPLETE: 'MAINTENANCE_COMPLETE',
  HEALTHY_TRIGGERED: 'HEALTHY_TRIGGERED',
  NODE_READINESS_TIMEOUT: 'NODE_READINESS_TIMEOUT',
  CANCELLED: 'CANCELLED',
  ERROR: 'ERROR',
} as const;
export type MaintenanceStatus = (typeof MaintenanceStatus)[keyof typeof MaintenanceStatus];

export const CSPStatus = {
  UNKNOWN: 'UNKNOWN',
  PENDING: 'PENDING',
  ONGOING: 'ONGOING',
  ACTIVE: 'ACTIVE',
  COMPLETED: 'COMPLETED',
  CANCELLED: 'CANCELLED',
} as const;
export type CSPStatus = (typeof CSPStatus)[keyof typeof CSPStatus];

/** A cloud maintenance event tracked by csp-health-monitor (upsert key: `eventId`). */
export interface MaintenanceEvent {
  eventId: string;
  csp: string;
  clusterName: string;
  resourceType: string;
  resourceId: string;
  maintenanceType: string;
  status: MaintenanceStatus;
  cspStatus: CSPStatus;
  scheduledStartTime: Date | null;
  scheduledEndTime: Date | null;
  actualStartTime: Date | null;
  actualEndTime: Date | null;
  eventReceivedTimestamp: Date;
  lastUpdatedTimestamp: Date;
  recommendedAction: string;
  metadata: Record<string, string>;
  nodeName: string;
}
