/**
 * What each service calls on the Kubernetes API (verb, group/resource), by scope: `cluster` rules
 * go into its ClusterRole, `namespace` rules into a Role in the release namespace. Checked against
 * the chart and the code in rbac.spec.ts, and against a recorded run in rbac-recorded.spec.ts.
 */
export type Scope = 'cluster' | 'namespace';
/** `verb group/resource` with "" as the core group, e.g. `create /pods/eviction`. */
export type Call = string;
export const call = (verb: string, resource: string, group = ''): Call => `${verb} ${group}/${resource}`;
export const all = (verbs: string[], resources: string[], group = ''): Call[] =>
  verbs.flatMap((v) => resources.map((r) => call(v, r, group)));

const JANITOR_GROUP = 'janitor.dgxc.nvidia.com';
const ERR_GROUP = 'nvsentinel.dgxc.nvidia.com';
const JANITOR_CRS = ['rebootnodes', 'terminatenodes', 'gpuresets'];

/** What each service calls, by scope (namespace = the release namespace only). */
export const API_CALLS: Record<string, Record<Scope, Call[]>> = {
  'platform-connectors': {
    // MetadataAugmentor: core.readNode; mirror: NodeOps.setNodeCondition (patch nodes/status), EventRecorder
    cluster: [call('get', 'nodes'), call('patch', 'nodes/status'), ...all(['create', 'patch'], ['events'])],
    namespace: [],
  },
  'fault-quarantine': {
    // NodeCache (list + watch), NodeOps cordon/taint/label (get + merge patch)
    cluster: all(['get', 'list', 'watch', 'patch'], ['nodes']),
    // circuit-breaker state and resume-control through ConfigMapOps.createOrUpdate / decideStart
    namespace: all(['get', 'create', 'update'], ['configmaps']),
  },
  'node-drainer': {
    cluster: [
      ...all(['get', 'patch'], ['nodes']), // NodeOps.setLabels (drain state label)
      ...all(['list', 'watch', 'delete'], ['pods']), // PodOps.podListOnNode, the pod watch, deletePod
      call('create', 'pods/eviction'), // PodOps.evictPod
      ...all(['create', 'patch'], ['events']), // EventRecorder on the node
    ],
    namespace: all(['get', 'create', 'update'], ['configmaps']), // resume-control
  },
  'fault-remediation': {
    cluster: [
      ...all(['get', 'list', 'create', 'update', 'patch'], JANITOR_CRS, JANITOR_GROUP),
      ...all(['get', 'list', 'create', 'update', 'patch'], ['externalremediationrequests'], ERR_GROUP),
      ...all(['get', 'list', 'watch', 'update', 'patch'], ['nodes']),
      ...all(['create', 'patch'], ['events']),
    ],
    namespace: [
      ...all(['get', 'create', 'update', 'patch'], ['leases'], 'coordination.k8s.io'),
      ...all(['get', 'create', 'update'], ['configmaps']),
      ...all(['get', 'list', 'watch', 'create', 'update', 'delete'], ['jobs'], 'batch'),
    ],
  },
  'health-events-analyzer': { cluster: [], namespace: all(['get', 'create', 'update'], ['configmaps']) },
  'csp-health-monitor': {
    cluster: all(['get', 'list', 'watch'], ['nodes', 'nodes/status']),
    namespace: all(['get', 'create', 'update'], ['configmaps']),
  },
  janitor: {
    cluster: [
      ...all(['get', 'list', 'watch', 'patch', 'update', 'delete'], ['nodes']),
      ...all(['get', 'list', 'watch', 'patch'], ['pods']),
      ...all(['create', 'patch', 'update'], ['events']),
      ...all(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'], JANITOR_CRS, JANITOR_GROUP),
      ...all(
        ['get', 'update', 'patch'],
        JANITOR_CRS.map((r) => `${r}/status`),
        JANITOR_GROUP,
      ),
      ...all(
        ['update'],
        JANITOR_CRS.map((r) => `${r}/finalizers`),
        JANITOR_GROUP,
      ),
      ...all(['get', 'list', 'watch', 'update', 'patch', 'delete'], ['externalremediationrequests'], ERR_GROUP),
      ...all(['get', 'update', 'patch'], ['externalremediationrequests/status'], ERR_GROUP),
      call('update', 'externalremediationrequests/finalizers', ERR_GROUP),
    ],
    namespace: [
      ...all(['get', 'list', 'watch', 'create', 'update', 'delete'], ['leases'], 'coordination.k8s.io'), // NodeLocks, leader election
      ...all(['get', 'list', 'watch', 'create', 'delete', 'patch'], ['jobs'], 'batch'),
    ],
  },
  'janitor-provider': {
    cluster: [...all(['get', 'list', 'watch'], ['nodes']), call('create', 'tokenreviews', 'authentication.k8s.io')],
    namespace: [],
  },
};
