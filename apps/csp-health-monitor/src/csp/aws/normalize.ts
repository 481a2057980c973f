/** AWS Health event + affected entity → MaintenanceEvent (upstream pkg/event/aws_normalizer.go). */
import { CSPStatus, MaintenanceStatus, type MaintenanceEvent } from '@nvsentinel/health-model';
import type { AffectedEntity, Event } from '@aws-sdk/client-health';
import { CspPayloadError } from '../../errors.js';
import { actionFromDescription } from './action.js';

/**
 * Our CSPStatus set is upstream's ProviderStatus (the stored document is validated against it),
 * so AWS's own codes go to `metadata.awsStatusCode` and cspStatus holds the matching constant.
 */
const AWS_STATUS: Record<string, { cspStatus: CSPStatus; status: MaintenanceStatus }> = {
  upcoming: { cspStatus: CSPStatus.PENDING, status: MaintenanceStatus.DETECTED },
  open: { cspStatus: CSPStatus.ACTIVE, status: MaintenanceStatus.MAINTENANCE_ONGOING },
  closed: { cspStatus: CSPStatus.COMPLETED, status: MaintenanceStatus.MAINTENANCE_COMPLETE },
};

export interface AwsNormalizeInput {
  event: Event;
  description: string;
  entity: AffectedEntity;
  nodeName: string;
  now: Date;
}

export function normalizeAwsEvent({ event, description, entity, nodeName, now }: AwsNormalizeInput): MaintenanceEvent {
  const fail = (what: string): never => {
    throw new CspPayloadError('AWS Health', `event ${event.arn ?? '<no arn>'}: ${what}`);
  };
  if (!event.arn) fail('no arn');
  const instanceId = entity.entityValue;
  if (!instanceId) fail('affected entity without entityValue');
  const mapped = AWS_STATUS[event.statusCode ?? ''] ?? fail(`unknown statusCode ${JSON.stringify(event.statusCode)}`);
  const start = validDate(event.startTime) ?? fail('no startTime');
  const end = validDate(event.endTime) ?? fail('no endTime');
  const updated = validDate(event.lastUpdatedTime) ?? now;
  return {
    eventId: entity.entityArn || `${event.arn}/${instanceId}`,
    csp: 'aws',
    clusterName: '',
    resourceType: event.service || 'EC2',
    resourceId: instanceId!,
    maintenanceType: 'SCHEDULED',
    status: mapped.status,
    cspStatus: mapped.cspStatus,
    scheduledStartTime: start,
    scheduledEndTime: end,
    // The first observation wins on later polls (status-merge keeps the stored actual times).
    actualStartTime: mapped.status === MaintenanceStatus.MAINTENANCE_ONGOING ? now : null,
    actualEndTime: mapped.status === MaintenanceStatus.MAINTENANCE_COMPLETE ? now : null,
    eventReceivedTimestamp: updated,
    lastUpdatedTimestamp: now,
    recommendedAction: actionFromDescription(description),
    metadata: {
      eventArn: event.arn!,
      eventTypeCode: event.eventTypeCode ?? '',
      eventScopeCode: event.eventScopeCode ?? '',
      description,
      awsStatusCode: event.statusCode!,
      providerLastUpdated: updated.toISOString(),
      ...(event.region ? { region: event.region } : {}),
      ...(event.availabilityZone ? { availabilityZone: event.availabilityZone } : {}),
    },
    nodeName,
  };
}

function validDate(value: Date | undefined): Date | undefined {
  return value instanceof Date && !Number.isNaN(value.getTime()) ? value : undefined;
}
