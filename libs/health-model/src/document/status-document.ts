import type { HealthEventStatus, Timestamp } from '../model/types.js';
import { documentUndecodableError } from '../errors.js';
import {
  isPlainObject,
  locate,
  readObject,
  readOptionalObject,
  readString,
  readStringRecord,
  readTimestamp,
  type Fail,
  type Located,
} from './decode.js';
import { timestampToDocument } from './timestamp-document.js';
import type { HealthEventStatusDocument } from './types.js';

/**
 * The status a freshly stored event starts with: nothing decided yet. Eviction status '' means
 * "not started", and faultRemediated null means fault-remediation has not looked at it.
 */
export function newHealthEventStatus(): HealthEventStatus {
  return {
    nodeQuarantined: '',
    userPodsEvictionStatus: { status: '', message: '' },
    faultRemediated: null,
    spanIds: {},
  };
}

/** HealthEventStatus → the stored `healtheventstatus` sub-document. */
export function statusToDocument(status: HealthEventStatus): HealthEventStatusDocument {
  return {
    nodequarantined: status.nodeQuarantined,
    quarantinefinishtimestamp: timestampToDocument(status.quarantineFinishTimestamp),
    userpodsevictionstatus: {
      status: status.userPodsEvictionStatus.status,
      message: status.userPodsEvictionStatus.message,
    },
    drainfinishtimestamp: timestampToDocument(status.drainFinishTimestamp),
    faultremediated: status.faultRemediated === null ? null : { value: status.faultRemediated },
    lastremediationtimestamp: timestampToDocument(status.lastRemediationTimestamp),
    spanids: { ...status.spanIds },
  };
}

/**
 * The stored `healtheventstatus` sub-document → HealthEventStatus. Tolerant: camelCase keys,
 * `faultremediated` as a plain bool or `{value}`, absent fields take their initial values.
 * Throws NVS_ERR_HEALTH_EVENT_DOCUMENT_UNDECODABLE naming the field that cannot be decoded.
 */
export function statusFromDocument(doc: unknown, path = 'healtheventstatus'): HealthEventStatus {
  const fail: Fail = (issue) => {
    throw documentUndecodableError('health event', issue);
  };
  return decodeStatus({ value: doc, path }, fail);
}

/** Decodes a located status sub-document (shared with fromDocument); absent/null → initial status. */
export function decodeStatus(field: Located, fail: Fail): HealthEventStatus {
  const obj = readOptionalObject(field, fail);
  if (!obj) return newHealthEventStatus();
  const { path } = field;
  const eviction = readOptionalObject(locate(obj, path, ['userpodsevictionstatus', 'userPodsEvictionStatus']), fail);
  const evictionPath = `${path}.userpodsevictionstatus`;
  const status: HealthEventStatus = {
    nodeQuarantined: readString(locate(obj, path, ['nodequarantined', 'nodeQuarantined']), fail),
    userPodsEvictionStatus: {
      status: eviction ? readString(locate(eviction, evictionPath, ['status']), fail) : '',
      message: eviction ? readString(locate(eviction, evictionPath, ['message']), fail) : '',
    },
    faultRemediated: readBoolValue(locate(obj, path, ['faultremediated', 'faultRemediated']), fail),
    spanIds: readStringRecord(locate(obj, path, ['spanids', 'spanIds']), fail),
  };
  setTimestamp(
    status,
    'quarantineFinishTimestamp',
    locate(obj, path, ['quarantinefinishtimestamp', 'quarantineFinishTimestamp']),
    fail,
  );
  setTimestamp(
    status,
    'drainFinishTimestamp',
    locate(obj, path, ['drainfinishtimestamp', 'drainFinishTimestamp']),
    fail,
  );
  setTimestamp(
    status,
    'lastRemediationTimestamp',
    locate(obj, path, ['lastremediationtimestamp', 'lastRemediationTimestamp']),
    fail,
  );
  return status;
}

type StatusTimestampKey = 'quarantineFinishTimestamp' | 'drainFinishTimestamp' | 'lastRemediationTimestamp';

// Unset timestamps are left off the object (not set to undefined) so decoded values deep-equal
// values built by hand.
function setTimestamp(status: HealthEventStatus, key: StatusTimestampKey, field: Located, fail: Fail): void {
  const ts: Timestamp | undefined = readTimestamp(field, fail);
  if (ts !== undefined) status[key] = ts;
}

/** google.protobuf.BoolValue as stored: `{value: bool}` (canonical) or a plain bool; absent → null. */
function readBoolValue(field: Located, fail: Fail): boolean | null {
  const { value, path } = field;
  if (value === undefined || value === null) return null;
  if (typeof value === 'boolean') return value;
  if (isPlainObject(value)) {
    const inner = locate(readObject(field, fail), path, ['value']);
    // A BoolValue written by protojson with value false omits the field entirely.
    if (inner.value === undefined || inner.value === null) return false;
    if (typeof inner.value === 'boolean') return inner.value;
  }
  return fail({ path, message: 'expected boolean or {value: boolean}' });
}
