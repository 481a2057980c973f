import type { KubeObject } from './kube-object.js';
import type { StoredAs } from './resource-type.js';

/**
 * events.k8s.io/v1 Event ⇄ core/v1 Event, field for field as the API server converts them, so an
 * Event written through one API is read through the other (they share one etcd collection).
 * Pairs are [events.k8s.io field, core field].
 */
const FIELD_PAIRS: [string, string][] = [
  ['regarding', 'involvedObject'],
  ['note', 'message'],
  ['reportingController', 'reportingComponent'],
  ['reportingInstance', 'reportingInstance'],
  ['deprecatedSource', 'source'],
  ['deprecatedFirstTimestamp', 'firstTimestamp'],
  ['deprecatedLastTimestamp', 'lastTimestamp'],
  ['deprecatedCount', 'count'],
  ['eventTime', 'eventTime'],
  ['series', 'series'],
  ['action', 'action'],
  ['reason', 'reason'],
  ['related', 'related'],
  ['type', 'type'],
];

function copyFields(from: KubeObject, direction: 0 | 1): KubeObject {
  const result: KubeObject = { metadata: from.metadata };
  for (const pair of FIELD_PAIRS) {
    const value = from[pair[direction]];
    if (value !== undefined && value !== null) result[pair[1 - direction]!] = value;
  }
  return result;
}

export const CORE_EVENT_STORAGE: StoredAs = {
  group: '',
  plural: 'events',
  apiVersion: 'v1',
  kind: 'Event',
  toStorage: (event) => copyFields(event, 0),
  fromStorage: (event) => copyFields(event, 1),
};
