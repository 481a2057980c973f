/**
 * Upstream's template data (`templateDataFromEvent`): the fields a maintenance template reads,
 * with Go's names. `.HealthEvent` is the protobuf HealthEvent as Go code sees it (PascalCase
 * fields, enums printing their names), so templates written for upstream render unchanged.
 */
import { createHash } from 'node:crypto';
import type { Entity, HealthEvent, HealthEventWithStatus } from '@nvsentinel/health-model';
import {
  ProcessingStrategy,
  RecommendedAction,
  processingStrategyName,
  recommendedActionName,
} from '@nvsentinel/health-model';
import type { RemediationAction } from '../config/remediation-config.js';
import { GoEnum, GoStruct } from '../template/values.js';

/** The metadata key the platform connector stores the trace id under. */
const TRACE_ID_METADATA_KEY = 'trace_id';
const SERVICE_NAME = 'fault-remediation';

export interface TemplateInputs {
  event: HealthEventWithStatus;
  action: RemediationAction;
  /** The effective action name (custom name for CUSTOM). */
  actionName: string;
  impactedEntityScopeValue: string;
}

export function buildTemplateData(input: TemplateInputs): GoStruct {
  const { event, action } = input;
  const he = event.healthEvent;
  return new GoStruct('TemplateData', {
    NodeName: he.nodeName,
    HealthEventID: event.id,
    TraceID: he.metadata[TRACE_ID_METADATA_KEY] ?? '',
    SpanID: remediationSpanId(event.id),
    RecommendedAction: he.recommendedAction,
    RecommendedActionName: input.actionName,
    ImpactedEntityScopeValue: input.impactedEntityScopeValue,
    HealthEvent: healthEventStruct({ ...he, id: he.id || event.id }),
    ApiGroup: action.apiGroup,
    Version: action.version,
    Kind: action.kind,
    Namespace: action.namespace ?? '',
  });
}

/**
 * A span id for this event's remediation. Derived from the event id rather than random, so a
 * repeated attempt (at-least-once delivery) renders the same CR annotations.
 */
export function remediationSpanId(eventId: string): string {
  return createHash('sha256').update(`${SERVICE_NAME}:${eventId}`).digest('hex').slice(0, 16);
}

function healthEventStruct(he: HealthEvent): GoStruct {
  const overrides = (o: { force: boolean; skip: boolean } | undefined) =>
    o ? new GoStruct('BehaviourOverrides', { Force: o.force, Skip: o.skip }) : null;
  return new GoStruct('HealthEvent', {
    Version: he.version,
    Agent: he.agent,
    ComponentClass: he.componentClass,
    CheckName: he.checkName,
    IsFatal: he.isFatal,
    IsHealthy: he.isHealthy,
    Message: he.message,
    RecommendedAction: new GoEnum(
      'RecommendedAction',
      recommendedActionName(he.recommendedAction) ?? String(he.recommendedAction),
      he.recommendedAction,
    ),
    ErrorCode: [...he.errorCode],
    EntitiesImpacted: he.entitiesImpacted.map(
      (e: Entity) => new GoStruct('Entity', { EntityType: e.entityType, EntityValue: e.entityValue }),
    ),
    Metadata: new Map(Object.entries(he.metadata)),
    GeneratedTimestamp: he.generatedTimestamp
      ? new GoStruct('Timestamp', { Seconds: he.generatedTimestamp.seconds, Nanos: he.generatedTimestamp.nanos })
      : null,
    NodeName: he.nodeName,
    QuarantineOverrides: overrides(he.quarantineOverrides),
    DrainOverrides: overrides(he.drainOverrides),
    ProcessingStrategy: new GoEnum(
      'ProcessingStrategy',
      processingStrategyName(he.processingStrategy) ?? String(he.processingStrategy),
      he.processingStrategy,
    ),
    Id: he.id,
    CustomRecommendedAction: he.customRecommendedAction,
  });
}

/** A representative event for checking templates at start-up (unknown fields fail here, not on the first fault). */
export function probeEvent(): HealthEventWithStatus {
  return {
    id: '00000000-0000-0000-0000-000000000000',
    createdAt: new Date(0),
    healthEvent: {
      version: 1,
      agent: 'probe',
      componentClass: 'GPU',
      checkName: 'Probe',
      isFatal: true,
      isHealthy: false,
      message: '',
      recommendedAction: RecommendedAction.RESTART_VM,
      errorCode: [],
      entitiesImpacted: [{ entityType: 'GPU_UUID', entityValue: 'GPU-00000000' }],
      metadata: {},
      generatedTimestamp: { seconds: 0, nanos: 0 },
      nodeName: 'probe-node',
      quarantineOverrides: { force: false, skip: false },
      drainOverrides: { force: false, skip: false },
      processingStrategy: ProcessingStrategy.EXECUTE_REMEDIATION,
      id: '',
      customRecommendedAction: '',
    },
    healthEventStatus: {
      nodeQuarantined: 'Quarantined',
      userPodsEvictionStatus: { status: 'Succeeded', message: '' },
      faultRemediated: null,
      spanIds: {},
    },
  };
}
