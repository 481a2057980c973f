/** The CSPMaintenance health event a trigger sends (upstream triggerengine/trigger.go). */
import {
  ProcessingStrategy,
  RecommendedAction,
  timestampFromDate,
  type HealthEvent,
  type MaintenanceEvent,
} from '@nvsentinel/health-model';
import { TriggerMappingError } from '../errors.js';

export const AGENT = 'csp-health-monitor';
export const CHECK_NAME = 'CSPMaintenance';
const MESSAGE_SCHEDULED = 'CSP maintenance scheduled';
const MESSAGE_COMPLETED = 'CSP maintenance completed';
/**
 * Metadata key carrying `<eventId>#<kind>` on every trigger: the notifier looks it up among the
 * stored health events before sending, so a trigger already accepted is never sent twice.
 */
export const TRIGGER_KEY_METADATA = 'nvsentinelMaintenanceTrigger';
const EVENT_ID_METADATA = 'maintenanceEventId';

export type TriggerKind = 'quarantine' | 'healthy';

export function triggerKey(event: MaintenanceEvent, kind: TriggerKind): string {
  return `${event.eventId}#${kind}`;
}

export function buildTriggerEvent(
  event: MaintenanceEvent,
  kind: TriggerKind,
  processingStrategy: ProcessingStrategy,
  now: Date,
): HealthEvent {
  const missing = (['nodeName', 'resourceType', 'resourceId'] as const).filter((k) => !event[k]);
  if (missing.length > 0) throw new TriggerMappingError(event.eventId, `${missing.join(', ')} missing`);
  const healthy = kind === 'healthy';
  const action = RecommendedAction[event.recommendedAction as keyof typeof RecommendedAction];
  return {
    version: 1,
    agent: AGENT,
    componentClass: event.resourceType,
    checkName: CHECK_NAME,
    isFatal: !healthy,
    isHealthy: healthy,
    message: healthy ? MESSAGE_COMPLETED : MESSAGE_SCHEDULED,
    recommendedAction: healthy ? RecommendedAction.NONE : typeof action === 'number' ? action : RecommendedAction.NONE,
    errorCode: [],
    entitiesImpacted: [{ entityType: event.resourceType, entityValue: event.resourceId }],
    metadata: {
      ...event.metadata,
      [EVENT_ID_METADATA]: event.eventId,
      [TRIGGER_KEY_METADATA]: triggerKey(event, kind),
    },
    generatedTimestamp: timestampFromDate(now),
    nodeName: event.nodeName,
    processingStrategy,
    id: '',
    customRecommendedAction: '',
  };
}
