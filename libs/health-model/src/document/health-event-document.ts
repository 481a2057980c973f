import type { BehaviourOverrides, HealthEvent, HealthEventWithStatus } from '../model/types.js';
import { ProcessingStrategyValues, RecommendedActionValues } from '../model/enums.js';
import { documentUndecodableError } from '../errors.js';
import {
  locate,
  readArray,
  readBoolean,
  readDate,
  readEnum,
  readId,
  readInteger,
  readObject,
  readOptionalObject,
  readString,
  readStringArray,
  readStringRecord,
  readTimestamp,
  type Fail,
  type Located,
} from './decode.js';
import { decodeStatus, statusToDocument } from './status-document.js';
import { timestampToDocument } from './timestamp-document.js';
import type { BehaviourOverridesDocument, HealthEventDocument, HealthEventFieldsDocument } from './types.js';

const failDecoding: Fail = (issue) => {
  throw documentUndecodableError('health event', issue);
};

/** HealthEventWithStatus → the canonical stored document. Shares no objects with the input. */
export function toDocument(x: HealthEventWithStatus): HealthEventDocument {
  return {
    _id: x.id,
    createdAt: new Date(x.createdAt.getTime()),
    healthevent: healthEventToDocument(x.healthEvent),
    healtheventstatus: statusToDocument(x.healthEventStatus),
  };
}

/**
 * A stored document → HealthEventWithStatus. Tolerant of every shape upstream writes: the
 * MongoDB lowercase keys, the PostgreSQL camelCase keys inside `healthevent` with proto3
 * omitempty (missing booleans are false), `faultremediated` as bool or `{value}`, `_id` as an
 * ObjectId. Unknown keys are ignored (newer upstream revisions add fields).
 * Throws NVS_ERR_HEALTH_EVENT_DOCUMENT_UNDECODABLE naming the field that cannot be decoded.
 */
export function fromDocument(doc: unknown): HealthEventWithStatus {
  const root = readObject({ value: doc, path: '' }, failDecoding);
  const eventField = locate(root, '', ['healthevent', 'healthEvent']);
  if (eventField.value === undefined || eventField.value === null) {
    failDecoding({ path: 'healthevent', message: 'required' });
  }
  return {
    id: readId(locate(root, '', ['_id']), failDecoding),
    createdAt: readDate(locate(root, '', ['createdAt', 'createdat', 'created_at']), failDecoding),
    healthEvent: decodeHealthEvent(eventField, failDecoding),
    healthEventStatus: decodeStatus(locate(root, '', ['healtheventstatus', 'healthEventStatus']), failDecoding),
  };
}

/** HealthEvent → the stored `healthevent` sub-document. */
export function healthEventToDocument(e: HealthEvent): HealthEventFieldsDocument {
  return {
    version: e.version,
    agent: e.agent,
    componentclass: e.componentClass,
    checkname: e.checkName,
    isfatal: e.isFatal,
    ishealthy: e.isHealthy,
    message: e.message,
    recommendedaction: e.recommendedAction,
    errorcode: [...e.errorCode],
    entitiesimpacted: e.entitiesImpacted.map((entity) => ({
      entitytype: entity.entityType,
      entityvalue: entity.entityValue,
    })),
    metadata: { ...e.metadata },
    generatedtimestamp: timestampToDocument(e.generatedTimestamp),
    nodename: e.nodeName,
    quarantineoverrides: overridesToDocument(e.quarantineOverrides),
    drainoverrides: overridesToDocument(e.drainOverrides),
    processingstrategy: e.processingStrategy,
    id: e.id,
    customrecommendedaction: e.customRecommendedAction,
  };
}

/** The stored `healthevent` sub-document → HealthEvent (same tolerance as fromDocument). */
export function healthEventFromDocument(doc: unknown, path = 'healthevent'): HealthEvent {
  return decodeHealthEvent({ value: doc, path }, failDecoding);
}

function decodeHealthEvent(field: Located, fail: Fail): HealthEvent {
  const obj = readObject(field, fail);
  const at = (...keys: string[]): Located => locate(obj, field.path, keys);
  const event: HealthEvent = {
    version: readInteger(at('version'), fail),
    agent: readString(at('agent'), fail),
    componentClass: readString(at('componentclass', 'componentClass'), fail),
    checkName: readString(at('checkname', 'checkName'), fail),
    isFatal: readBoolean(at('isfatal', 'isFatal'), fail),
    isHealthy: readBoolean(at('ishealthy', 'isHealthy'), fail),
    message: readString(at('message'), fail),
    recommendedAction: readEnum(at('recommendedaction', 'recommendedAction'), RecommendedActionValues, fail),
    errorCode: readStringArray(at('errorcode', 'errorCode'), fail),
    entitiesImpacted: readArray(at('entitiesimpacted', 'entitiesImpacted'), fail).map((item) => {
      const entity = readObject(item, fail);
      return {
        entityType: readString(locate(entity, item.path, ['entitytype', 'entityType']), fail),
        entityValue: readString(locate(entity, item.path, ['entityvalue', 'entityValue']), fail),
      };
    }),
    metadata: readStringRecord(at('metadata'), fail),
    nodeName: readString(at('nodename', 'nodeName'), fail),
    processingStrategy: readEnum(at('processingstrategy', 'processingStrategy'), ProcessingStrategyValues, fail),
    id: readString(at('id'), fail),
    customRecommendedAction: readString(at('customrecommendedaction', 'customRecommendedAction'), fail),
  };
  // Unset optional messages stay off the object so decoded values deep-equal hand-built ones.
  const generatedTimestamp = readTimestamp(at('generatedtimestamp', 'generatedTimestamp'), fail);
  if (generatedTimestamp) event.generatedTimestamp = generatedTimestamp;
  const quarantineOverrides = decodeOverrides(at('quarantineoverrides', 'quarantineOverrides'), fail);
  if (quarantineOverrides) event.quarantineOverrides = quarantineOverrides;
  const drainOverrides = decodeOverrides(at('drainoverrides', 'drainOverrides'), fail);
  if (drainOverrides) event.drainOverrides = drainOverrides;
  return event;
}

function overridesToDocument(o: BehaviourOverrides | undefined): BehaviourOverridesDocument | null {
  return o === undefined ? null : { force: o.force, skip: o.skip };
}

function decodeOverrides(field: Located, fail: Fail): BehaviourOverrides | undefined {
  const obj = readOptionalObject(field, fail);
  if (!obj) return undefined;
  return {
    force: readBoolean(locate(obj, field.path, ['force']), fail),
    skip: readBoolean(locate(obj, field.path, ['skip']), fail),
  };
}
