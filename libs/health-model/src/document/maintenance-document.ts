import { CSPStatus, MaintenanceStatus, type MaintenanceEvent } from '../model/types.js';
import { documentUndecodableError } from '../errors.js';
import {
  locate,
  readDate,
  readObject,
  readOptionalDate,
  readString,
  readStringRecord,
  type Fail,
  type Located,
} from './decode.js';
import type { MaintenanceEventDocument } from './types.js';

const failDecoding: Fail = (issue) => {
  throw documentUndecodableError('maintenance event', issue);
};

/** MaintenanceEvent → stored document (camelCase keys, dates as Date, null where unset). */
export function maintenanceEventToDocument(e: MaintenanceEvent): MaintenanceEventDocument {
  return {
    eventId: e.eventId,
    csp: e.csp,
    clusterName: e.clusterName,
    resourceType: e.resourceType,
    resourceId: e.resourceId,
    maintenanceType: e.maintenanceType,
    status: e.status,
    cspStatus: e.cspStatus,
    scheduledStartTime: copyDate(e.scheduledStartTime),
    scheduledEndTime: copyDate(e.scheduledEndTime),
    actualStartTime: copyDate(e.actualStartTime),
    actualEndTime: copyDate(e.actualEndTime),
    eventReceivedTimestamp: new Date(e.eventReceivedTimestamp.getTime()),
    lastUpdatedTimestamp: new Date(e.lastUpdatedTimestamp.getTime()),
    recommendedAction: e.recommendedAction,
    metadata: { ...e.metadata },
    nodeName: e.nodeName,
  };
}

/**
 * Stored document → MaintenanceEvent. `_id` and unknown keys are ignored; dates may also be ISO
 * strings or `{$date}`. Throws NVS_ERR_MAINTENANCE_EVENT_DOCUMENT_UNDECODABLE naming the field
 * when a value cannot be decoded or a status is not one csp-health-monitor writes.
 */
export function maintenanceEventFromDocument(doc: unknown): MaintenanceEvent {
  const obj = readObject({ value: doc, path: '' }, failDecoding);
  const at = (key: string): Located => locate(obj, '', [key]);
  const eventId = readString(at('eventId'), failDecoding);
  if (eventId === '') failDecoding({ path: 'eventId', message: 'required' });
  return {
    eventId,
    csp: readString(at('csp'), failDecoding),
    clusterName: readString(at('clusterName'), failDecoding),
    resourceType: readString(at('resourceType'), failDecoding),
    resourceId: readString(at('resourceId'), failDecoding),
    maintenanceType: readString(at('maintenanceType'), failDecoding),
    status: readOneOf(at('status'), MaintenanceStatus),
    cspStatus: readOneOf(at('cspStatus'), CSPStatus),
    scheduledStartTime: readOptionalDate(at('scheduledStartTime'), failDecoding),
    scheduledEndTime: readOptionalDate(at('scheduledEndTime'), failDecoding),
    actualStartTime: readOptionalDate(at('actualStartTime'), failDecoding),
    actualEndTime: readOptionalDate(at('actualEndTime'), failDecoding),
    eventReceivedTimestamp: readDate(at('eventReceivedTimestamp'), failDecoding),
    lastUpdatedTimestamp: readDate(at('lastUpdatedTimestamp'), failDecoding),
    recommendedAction: readString(at('recommendedAction'), failDecoding),
    metadata: readStringRecord(at('metadata'), failDecoding),
    nodeName: readString(at('nodeName'), failDecoding),
  };
}

function readOneOf<T extends string>(field: Located, allowed: Readonly<Record<string, T>>): T {
  const value = readString(field, failDecoding);
  const values = Object.values(allowed);
  if ((values as string[]).includes(value)) return value as T;
  return failDecoding({ path: field.path, message: `unknown value '${value}' (expected one of ${values.join(', ')})` });
}

function copyDate(date: Date | null): Date | null {
  return date === null ? null : new Date(date.getTime());
}
