/**
 * Conversions between the generated proto messages (src/gen, protobuf-es) and the typed model
 * the rest of the system uses. The gRPC ingest server decodes with protobuf-es, converts with
 * healthEventsFromProto and never touches generated types beyond that point.
 */
import { create } from '@bufbuild/protobuf';
import { TimestampSchema, type Timestamp as ProtoTimestamp } from '@bufbuild/protobuf/wkt';
import * as pb from '../gen/health_event_pb.js';
import { notRepresentableError } from '../errors.js';
import { isValidTimestamp, timestampFromDate, timestampToDate } from '../model/timestamp.js';
import { newHealthEventStatus } from '../document/status-document.js';
import type {
  BehaviourOverrides,
  HealthEvent,
  HealthEventStatus,
  HealthEventWithStatus,
  ProcessingStrategy,
  RecommendedAction,
  Timestamp,
} from '../model/types.js';

const MAX_UINT32 = 0xffff_ffff;

export function healthEventToProto(e: HealthEvent, path = 'healthEvent'): pb.HealthEvent {
  if (!Number.isInteger(e.version) || e.version < 0 || e.version > MAX_UINT32) {
    throw notRepresentableError({ path: `${path}.version`, message: `${e.version} is not a uint32` });
  }
  return create(pb.HealthEventSchema, {
    version: e.version,
    agent: e.agent,
    componentClass: e.componentClass,
    checkName: e.checkName,
    isFatal: e.isFatal,
    isHealthy: e.isHealthy,
    message: e.message,
    recommendedAction: e.recommendedAction as number as pb.RecommendedAction,
    errorCode: [...e.errorCode],
    entitiesImpacted: e.entitiesImpacted.map((entity) =>
      create(pb.EntitySchema, { entityType: entity.entityType, entityValue: entity.entityValue }),
    ),
    metadata: { ...e.metadata },
    generatedTimestamp: timestampToProto(e.generatedTimestamp, `${path}.generatedTimestamp`),
    nodeName: e.nodeName,
    quarantineOverrides: overridesToProto(e.quarantineOverrides),
    drainOverrides: overridesToProto(e.drainOverrides),
    processingStrategy: e.processingStrategy as number as pb.ProcessingStrategy,
    id: e.id,
    customRecommendedAction: e.customRecommendedAction,
  });
}

export function healthEventFromProto(msg: pb.HealthEvent): HealthEvent {
  const event: HealthEvent = {
    version: msg.version,
    agent: msg.agent,
    componentClass: msg.componentClass,
    checkName: msg.checkName,
    isFatal: msg.isFatal,
    isHealthy: msg.isHealthy,
    message: msg.message,
    recommendedAction: msg.recommendedAction as number as RecommendedAction,
    errorCode: [...msg.errorCode],
    entitiesImpacted: msg.entitiesImpacted.map((entity) => ({
      entityType: entity.entityType,
      entityValue: entity.entityValue,
    })),
    metadata: { ...msg.metadata },
    nodeName: msg.nodeName,
    processingStrategy: msg.processingStrategy as number as ProcessingStrategy,
    id: msg.id,
    customRecommendedAction: msg.customRecommendedAction,
  };
  // Unset messages stay off the object, matching values built by the validator and decoder.
  if (msg.generatedTimestamp) event.generatedTimestamp = timestampFromProto(msg.generatedTimestamp);
  if (msg.quarantineOverrides) event.quarantineOverrides = overridesFromProto(msg.quarantineOverrides);
  if (msg.drainOverrides) event.drainOverrides = overridesFromProto(msg.drainOverrides);
  return event;
}

/** The `HealthEvents` envelope monitors send. */
export function healthEventsToProto(events: readonly HealthEvent[], version = 1): pb.HealthEvents {
  return create(pb.HealthEventsSchema, {
    version,
    events: events.map((e, i) => healthEventToProto(e, `events[${i}]`)),
  });
}

export function healthEventsFromProto(msg: pb.HealthEvents): { version: number; events: HealthEvent[] } {
  return { version: msg.version, events: msg.events.map(healthEventFromProto) };
}

export function healthEventStatusToProto(s: HealthEventStatus, path = 'healthEventStatus'): pb.HealthEventStatus {
  return create(pb.HealthEventStatusSchema, {
    nodeQuarantined: s.nodeQuarantined,
    quarantineFinishTimestamp: timestampToProto(s.quarantineFinishTimestamp, `${path}.quarantineFinishTimestamp`),
    userPodsEvictionStatus: create(pb.OperationStatusSchema, {
      status: s.userPodsEvictionStatus.status,
      message: s.userPodsEvictionStatus.message,
    }),
    drainFinishTimestamp: timestampToProto(s.drainFinishTimestamp, `${path}.drainFinishTimestamp`),
    faultRemediated: s.faultRemediated ?? undefined,
    lastRemediationTimestamp: timestampToProto(s.lastRemediationTimestamp, `${path}.lastRemediationTimestamp`),
    spanIds: { ...s.spanIds },
  });
}

export function healthEventStatusFromProto(msg: pb.HealthEventStatus): HealthEventStatus {
  const status: HealthEventStatus = {
    nodeQuarantined: msg.nodeQuarantined,
    userPodsEvictionStatus: {
      status: msg.userPodsEvictionStatus?.status ?? '',
      message: msg.userPodsEvictionStatus?.message ?? '',
    },
    faultRemediated: msg.faultRemediated ?? null,
    spanIds: { ...msg.spanIds },
  };
  if (msg.quarantineFinishTimestamp)
    status.quarantineFinishTimestamp = timestampFromProto(msg.quarantineFinishTimestamp);
  if (msg.drainFinishTimestamp) status.drainFinishTimestamp = timestampFromProto(msg.drainFinishTimestamp);
  if (msg.lastRemediationTimestamp) status.lastRemediationTimestamp = timestampFromProto(msg.lastRemediationTimestamp);
  return status;
}

/**
 * The proto carries no document id; upstream consumers read it from `healthEvent.id`, so that
 * is where toProto puts it and fromProto takes it from.
 */
export function healthEventWithStatusToProto(x: HealthEventWithStatus): pb.HealthEventWithStatus {
  return create(pb.HealthEventWithStatusSchema, {
    createdAt: timestampToProto(timestampFromDate(x.createdAt), 'createdAt'),
    healthEvent: healthEventToProto({ ...x.healthEvent, id: x.id }),
    healthEventStatus: healthEventStatusToProto(x.healthEventStatus),
  });
}

export function healthEventWithStatusFromProto(msg: pb.HealthEventWithStatus): HealthEventWithStatus {
  if (!msg.healthEvent) {
    throw notRepresentableError({ path: 'healthEvent', message: 'HealthEventWithStatus without a healthEvent' });
  }
  const healthEvent = healthEventFromProto(msg.healthEvent);
  const createdAt = msg.createdAt ? timestampFromProto(msg.createdAt) : { seconds: 0, nanos: 0 };
  return {
    id: healthEvent.id,
    createdAt: timestampToDate(createdAt),
    healthEvent,
    healthEventStatus: msg.healthEventStatus
      ? healthEventStatusFromProto(msg.healthEventStatus)
      : newHealthEventStatus(),
  };
}

function timestampToProto(ts: Timestamp | undefined, path: string): ProtoTimestamp | undefined {
  if (ts === undefined) return undefined;
  if (!isValidTimestamp(ts)) {
    throw notRepresentableError({
      path,
      message: `{seconds: ${ts.seconds}, nanos: ${ts.nanos}} is not a valid google.protobuf.Timestamp`,
    });
  }
  return create(TimestampSchema, { seconds: BigInt(ts.seconds), nanos: ts.nanos });
}

function timestampFromProto(ts: ProtoTimestamp): Timestamp {
  // Every valid Timestamp (years 1..9999) fits a JS number exactly.
  return { seconds: Number(ts.seconds), nanos: ts.nanos };
}

function overridesToProto(o: BehaviourOverrides | undefined): pb.BehaviourOverrides | undefined {
  return o === undefined ? undefined : create(pb.BehaviourOverridesSchema, { force: o.force, skip: o.skip });
}

function overridesFromProto(o: pb.BehaviourOverrides): BehaviourOverrides {
  return { force: o.force, skip: o.skip };
}
