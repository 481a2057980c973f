import { isPlainObject, readPath, type KubeObject } from '../../resources/kube-object.js';
import type { ResourceType } from '../../resources/resource-type.js';
import { humanDuration } from './human-duration.js';

export interface Column {
  name: string;
  type: 'string' | 'integer' | 'date';
  format?: string;
  description: string;
  /** 0 = default view, 1 = `-o wide` only. */
  priority: number;
  cell(object: KubeObject, nowMs: number): string | number;
}

const NONE = '<none>';

function age(object: KubeObject, nowMs: number): string {
  const created = object.metadata.creationTimestamp;
  return created ? humanDuration(nowMs - Date.parse(created)) : '<unknown>';
}

function text(value: unknown, fallback = NONE): string {
  return value === undefined || value === null || value === '' ? fallback : String(value);
}

function conditions(object: KubeObject): Record<string, unknown>[] {
  const list = readPath(object, 'status.conditions');
  return Array.isArray(list) ? list.filter(isPlainObject) : [];
}

function nodeStatus(node: KubeObject): string {
  const ready = conditions(node).find((condition) => condition.type === 'Ready');
  const base = ready?.status === 'True' ? 'Ready' : ready?.status === 'False' ? 'NotReady' : 'Unknown';
  return readPath(node, 'spec.unschedulable') === true ? `${base},SchedulingDisabled` : base;
}

function nodeRoles(node: KubeObject): string {
  const roles = Object.keys(node.metadata.labels ?? {})
    .filter((key) => key.startsWith('node-role.kubernetes.io/'))
    .map((key) => key.slice('node-role.kubernetes.io/'.length));
  return roles.length ? roles.sort().join(',') : NONE;
}

function nodeAddress(node: KubeObject, type: string): string {
  const addresses = readPath(node, 'status.addresses');
  const found = Array.isArray(addresses)
    ? addresses.find((address) => isPlainObject(address) && address.type === type)
    : undefined;
  return text(isPlainObject(found) ? found.address : undefined);
}

function containerStatuses(pod: KubeObject): Record<string, unknown>[] {
  const list = readPath(pod, 'status.containerStatuses');
  return Array.isArray(list) ? list.filter(isPlainObject) : [];
}

function podReady(pod: KubeObject): string {
  const containers = readPath(pod, 'spec.containers');
  const total = Array.isArray(containers) ? containers.length : 0;
  return `${containerStatuses(pod).filter((status) => status.ready === true).length}/${total}`;
}

function podStatus(pod: KubeObject): string {
  if (pod.metadata.deletionTimestamp) return 'Terminating';
  return text(readPath(pod, 'status.phase'), 'Unknown');
}

const name: Column = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: 'Name must be unique within a namespace.',
  priority: 0,
  cell: (object) => object.metadata.name ?? '',
};
const ageColumn: Column = {
  name: 'Age',
  type: 'string',
  description: 'Time since creation (simulated clock).',
  priority: 0,
  cell: age,
};

function column(columnName: string, cell: Column['cell'], priority = 0, type: Column['type'] = 'string'): Column {
  return { name: columnName, type, description: columnName, priority, cell };
}

const BY_KIND: Record<string, Column[]> = {
  Node: [
    name,
    column('Status', nodeStatus),
    column('Roles', nodeRoles),
    ageColumn,
    column('Version', (node) => text(readPath(node, 'status.nodeInfo.kubeletVersion'), '')),
    column('Internal-IP', (node) => nodeAddress(node, 'InternalIP'), 1),
    column('External-IP', (node) => nodeAddress(node, 'ExternalIP'), 1),
    column('OS-Image', (node) => text(readPath(node, 'status.nodeInfo.osImage'), '<unknown>'), 1),
    column('Kernel-Version', (node) => text(readPath(node, 'status.nodeInfo.kernelVersion'), '<unknown>'), 1),
    column(
      'Container-Runtime',
      (node) => text(readPath(node, 'status.nodeInfo.containerRuntimeVersion'), '<unknown>'),
      1,
    ),
  ],
  Pod: [
    name,
    column('Ready', podReady),
    column('Status', podStatus),
    column(
      'Restarts',
      (pod) => containerStatuses(pod).reduce((sum, status) => sum + Number(status.restartCount ?? 0), 0),
      0,
      'integer',
    ),
    ageColumn,
    column('IP', (pod) => text(readPath(pod, 'status.podIP')), 1),
    column('Node', (pod) => text(readPath(pod, 'spec.nodeName')), 1),
  ],
  Namespace: [name, column('Status', (namespace) => text(readPath(namespace, 'status.phase'), '')), ageColumn],
  ConfigMap: [
    name,
    column(
      'Data',
      (configMap) => Object.keys((readPath(configMap, 'data') as object | undefined) ?? {}).length,
      0,
      'integer',
    ),
    ageColumn,
  ],
  Lease: [name, column('Holder', (lease) => text(readPath(lease, 'spec.holderIdentity'), '')), ageColumn],
  PodDisruptionBudget: [
    name,
    column('Min Available', (pdb) => text(readPath(pdb, 'spec.minAvailable'), 'N/A')),
    column('Max Unavailable', (pdb) => text(readPath(pdb, 'spec.maxUnavailable'), 'N/A')),
    column('Allowed Disruptions', (pdb) => Number(readPath(pdb, 'status.disruptionsAllowed') ?? 0), 0, 'integer'),
    ageColumn,
  ],
  DaemonSet: [
    name,
    column('Desired', (ds) => Number(readPath(ds, 'status.desiredNumberScheduled') ?? 0), 0, 'integer'),
    column('Ready', (ds) => Number(readPath(ds, 'status.numberReady') ?? 0), 0, 'integer'),
    ageColumn,
  ],
  CustomResourceDefinition: [name, column('Created At', (crd) => text(crd.metadata.creationTimestamp, ''), 0, 'date')],
};

const EVENT_COLUMNS: Column[] = [
  column('Last Seen', (event, nowMs) => {
    const at = readPath(event, 'lastTimestamp') ?? readPath(event, 'eventTime') ?? event.metadata.creationTimestamp;
    return typeof at === 'string' ? humanDuration(nowMs - Date.parse(at)) : '<unknown>';
  }),
  column('Type', (event) => text(readPath(event, 'type'), '')),
  column('Reason', (event) => text(readPath(event, 'reason'), '')),
  column(
    'Object',
    (event) =>
      `${String(readPath(event, 'involvedObject.kind') ?? '').toLowerCase()}/${text(readPath(event, 'involvedObject.name'), '')}`,
  ),
  column('Message', (event) => text(readPath(event, 'message'), '')),
];

/**
 * Printer columns for kubectl's Table requests. Built-ins get (a subset of) their real columns;
 * custom resources get Name and Age, as for a CRD without additionalPrinterColumns.
 */
export function columnsFor(type: ResourceType): Column[] {
  if (type.kind === 'Event' && type.group === '') return EVENT_COLUMNS;
  if (!type.custom && BY_KIND[type.kind]) return BY_KIND[type.kind]!;
  return [name, ageColumn];
}
