/** Cloud Logging entry (AuditLog payload) → MaintenanceEvent (upstream pkg/event/gcp_normalizer.go). */
import { CSPStatus, MaintenanceStatus, type MaintenanceEvent } from '@nvsentinel/health-model';
import { CspPayloadError } from '../../errors.js';
import type { AuditLog } from './audit-log.js';

const UPCOMING_METHODS = ['compute.instances.upcomingMaintenance', 'compute.instances.upcomingInfraMaintenance'];
const HOST_MAINTENANCE_METHODS = [
  'compute.instances.terminateOnHostMaintenance',
  'compute.instances.migrateOnHostMaintenance',
];

/** The entry fields the normaliser reads, already decoded by the client. */
export interface GcpLogEntry {
  insertId: string;
  timestamp: Date;
  resourceType: string;
  resourceLabels: Record<string, string>;
  /** Undefined when the payload is not an AuditLog. */
  auditLog: AuditLog | undefined;
}

export class UnsupportedGcpEntry extends Error {
  constructor(
    readonly kind: string,
    message: string,
  ) {
    super(message);
  }
}

const STATUS: Record<string, { cspStatus: CSPStatus; status: MaintenanceStatus }> = {
  PENDING: { cspStatus: CSPStatus.PENDING, status: MaintenanceStatus.DETECTED },
  ONGOING: { cspStatus: CSPStatus.ONGOING, status: MaintenanceStatus.MAINTENANCE_ONGOING },
  ACTIVE: { cspStatus: CSPStatus.ACTIVE, status: MaintenanceStatus.MAINTENANCE_ONGOING },
  COMPLETED: { cspStatus: CSPStatus.COMPLETED, status: MaintenanceStatus.MAINTENANCE_COMPLETE },
  CANCELLED: { cspStatus: CSPStatus.CANCELLED, status: MaintenanceStatus.CANCELLED },
};

/** The rpc status text GCE writes when a window ended. */
const WINDOW_COMPLETED = /maintenance window (has )?(completed|ended)|window completed/i;

export function normalizeGcpEntry(entry: GcpLogEntry, nodeName: string, projectId: string): MaintenanceEvent {
  const fail = (what: string): never => {
    throw new CspPayloadError('Cloud Logging', `entry ${entry.insertId || '<no insertId>'}: ${what}`);
  };
  if (!entry.insertId) fail('no insertId');
  if (!(entry.timestamp instanceof Date) || Number.isNaN(entry.timestamp.getTime())) fail('no valid timestamp');
  if (!entry.auditLog) throw new UnsupportedGcpEntry('payload', `entry ${entry.insertId}: payload is not an AuditLog`);
  if (entry.resourceType !== 'gce_instance') {
    throw new UnsupportedGcpEntry(
      entry.resourceType || 'none',
      `entry ${entry.insertId}: resource type ${entry.resourceType} is not gce_instance`,
    );
  }
  const method = entry.auditLog.methodName ?? '';
  const upcoming = UPCOMING_METHODS.includes(method);
  if (!upcoming && !HOST_MAINTENANCE_METHODS.includes(method)) {
    throw new UnsupportedGcpEntry(
      method || 'none',
      `entry ${entry.insertId}: method ${method} is not a maintenance method`,
    );
  }
  const instanceId = entry.resourceLabels.instance_id ?? fail('resource label instance_id missing');
  const meta = entry.auditLog.metadata ?? {};
  const raw = typeof meta.maintenanceStatus === 'string' ? meta.maintenanceStatus.toUpperCase() : '';
  let providerStatus = raw in STATUS ? raw : upcoming ? 'PENDING' : 'ACTIVE';
  if (WINDOW_COMPLETED.test(entry.auditLog.status?.message ?? '')) providerStatus = 'COMPLETED';
  const mapped = STATUS[providerStatus]!;
  const at = entry.timestamp;
  const zone = entry.resourceLabels.zone ?? '';
  return {
    eventId: entry.insertId,
    csp: 'gcp',
    clusterName: '',
    resourceType: entry.resourceType,
    resourceId: instanceId,
    maintenanceType: typeof meta.type === 'string' ? meta.type : '',
    status: mapped.status,
    cspStatus: mapped.cspStatus,
    scheduledStartTime: optionalDate(meta.windowStartTime, 'windowStartTime', fail),
    scheduledEndTime: optionalDate(meta.windowEndTime, 'windowEndTime', fail),
    // The entry's own time, not the poll's: after a monitor outage the healthy delay still counts
    // from when GCE reported the change.
    actualStartTime: mapped.status === MaintenanceStatus.MAINTENANCE_ONGOING ? at : null,
    actualEndTime: mapped.status === MaintenanceStatus.MAINTENANCE_COMPLETE ? at : null,
    eventReceivedTimestamp: at,
    lastUpdatedTimestamp: at,
    recommendedAction: 'NONE',
    metadata: {
      gcp_zone: zone,
      gcp_project_id: entry.resourceLabels.project_id ?? projectId,
      gcp_method: method,
      providerLastUpdated: at.toISOString(),
    },
    nodeName,
  };
}

function optionalDate(value: unknown, field: string, fail: (what: string) => never): Date | null {
  if (value === undefined || value === null || value === '') return null;
  const date = typeof value === 'string' ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) return fail(`${field} ${JSON.stringify(value)} is not an RFC 3339 time`);
  return date;
}
