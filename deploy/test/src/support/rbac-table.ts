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
      ...all(['get', 'create'], JANITOR_CRS, JANITOR_GROUP), // CustomObjectOps.create, the state check's get
      ...all(['get', 'create'], ['externalremediationrequests'], ERR_GROUP),
      ...all(['get', 'list', 'watch', 'patch'], ['nodes']), // NodeCache, readNode, the state annotation
    ],
    namespace: [
      ...all(['get', 'create', 'update'], ['leases'], 'coordination.k8s.io'), // LeaderElection
      ...all(['get', 'create', 'update'], ['configmaps']), // resume control
      ...all(['list', 'create', 'patch'], ['jobs'], 'batch'), // LogCollector
    ],
  },
  // needs.kube is false: the analyzer never builds a Kubernetes client
  'health-events-analyzer': { cluster: [], namespace: [] },
  'csp-health-monitor': {
    cluster: all(['list', 'watch'], ['nodes']), // NodeCache of the monitor and of the notifier sidecar
    namespace: [],
  },
  janitor: {
    cluster: [
      ...all(['get', 'list', 'watch', 'patch', 'delete'], ['nodes']),
      call('list', 'pods'), // GPUReset: the GPU operator's pods on the node
      ...all(['get', 'list', 'watch', 'patch', 'delete'], JANITOR_CRS, JANITOR_GROUP),
      ...all(
        ['patch'],
        JANITOR_CRS.map((r) => `${r}/status`),
        JANITOR_GROUP,
      ),
      ...all(
        ['update'],
        JANITOR_CRS.map((r) => `${r}/finalizers`),
        JANITOR_GROUP,
      ),
      ...all(['get', 'list', 'watch', 'patch', 'delete'], ['externalremediationrequests'], ERR_GROUP),
      call('patch', 'externalremediationrequests/status', ERR_GROUP),
      call('update', 'externalremediationrequests/finalizers', ERR_GROUP),
    ],
    namespace: [
      ...all(['get', 'create', 'update', 'delete'], ['leases'], 'coordination.k8s.io'), // NodeLocks, leader election
      ...all(['get', 'create', 'delete'], ['jobs'], 'batch'), // GPUReset's reset Job
    ],
  },
  // the chart's default CSP (kind) with auth on; JANITOR_PROVIDER_BY_CSP adds what other CSPs call
  'janitor-provider': {
    cluster: [call('get', 'nodes'), call('create', 'tokenreviews', 'authentication.k8s.io')],
    namespace: [],
  },
};

/** What janitor-provider calls beyond API_CALLS with `janitor-provider.csp.provider` set to these. */
export const JANITOR_PROVIDER_BY_CSP: Record<string, Record<Scope, Call[]>> = {
  // SimProvider: the reboot annotation (patch), terminate = delete the Node
  sim: { cluster: all(['patch', 'delete'], ['nodes']), namespace: [] },
  // RebootJobProvider: reboot Jobs (create, list, delete) and their pods (list)
  generic: { cluster: [], namespace: [...all(['list', 'create', 'delete'], ['jobs'], 'batch'), call('list', 'pods')] },
};

/**
 * The ServiceAccount a service's calls run as when it is not its own: the maintenance notifier is
 * a sidecar in csp-health-monitor's pod.
 */
export const SERVICE_ACCOUNT_OF: Record<string, string> = { 'maintenance-notifier': 'csp-health-monitor' };

/**
 * Granted calls the recorded runs (rbac-recorded.spec.ts) do not make, each with the reason the
 * chart grants it anyway. Everything else the chart grants must show up in a recording.
 */
export const NOT_EXERCISED: Record<string, Record<Call, string>> = {
  'platform-connectors': {},
  'fault-quarantine': {
    'get /nodes':
      'NodeOps reads the node from the API when its cached copy is stale (a resourceVersion conflict, another writer); timing decides whether a run records it',
    'update /configmaps':
      'ConfigMapOps.createOrUpdate replaces an existing ConfigMap (a restart, the breaker tripping); this run starts on an empty cluster and stays under the breaker',
  },
  'node-drainer': {
    'create /configmaps':
      'decideStart creates the shared resume-control ConfigMap when it starts first; fault-quarantine did',
    'patch /events':
      'EventRecorder increments the count of an Event repeated within its window; every drain event here was new',
  },
  'fault-remediation': {
    'create janitor.dgxc.nvidia.com/gpuresets':
      'an action of the remediation config may name GPUReset; the chart default maps none to it',
    'get janitor.dgxc.nvidia.com/gpuresets': 'the state check reads a GPUReset an earlier action created; none here',
    'get janitor.dgxc.nvidia.com/terminatenodes':
      'the state check of a node whose TerminateNode exists; that node is gone',
    'create nvsentinel.dgxc.nvidia.com/externalremediationrequests':
      'an action of the remediation config may name ExternalRemediationRequest; the chart default maps none to it',
    'get nvsentinel.dgxc.nvidia.com/externalremediationrequests': 'the state check of such a request; none here',
    'create /configmaps':
      'decideStart creates the shared resume-control ConfigMap when it starts first; fault-quarantine did',
    'list batch/jobs': 'log collector, off in the chart defaults (fault-remediation.logCollector.enabled)',
    'create batch/jobs': 'log collector, off in the chart defaults (fault-remediation.logCollector.enabled)',
    'patch batch/jobs': 'log collector, off in the chart defaults (fault-remediation.logCollector.enabled)',
  },
  'health-events-analyzer': {},
  'csp-health-monitor': {},
  janitor: {
    'delete /nodes':
      'a terminated node still NotReady is removed by janitor; the sim CSP deletes the Node itself, so it was gone first',
    'get nvsentinel.dgxc.nvidia.com/externalremediationrequests':
      'read when the watch cache has not seen the request yet; timing decides whether a run records it',
    'get janitor.dgxc.nvidia.com/rebootnodes': 'read when the watch cache has not seen the CR yet; it had',
    'get janitor.dgxc.nvidia.com/terminatenodes': 'read when the watch cache has not seen the CR yet; it had',
    'get janitor.dgxc.nvidia.com/gpuresets': 'read when the watch cache has not seen the CR yet; it had',
    'patch janitor.dgxc.nvidia.com/rebootnodes':
      'TTL collector: expiry annotation on finished CRs, on an interval longer than the run',
    'patch janitor.dgxc.nvidia.com/terminatenodes':
      'TTL collector: expiry annotation on finished CRs, on an interval longer than the run',
    'delete janitor.dgxc.nvidia.com/rebootnodes': 'TTL collector: deletes CRs whose TTL passed (chart default 336h)',
    'delete janitor.dgxc.nvidia.com/terminatenodes': 'TTL collector: deletes CRs whose TTL passed (chart default 336h)',
    'delete janitor.dgxc.nvidia.com/gpuresets': 'TTL collector: deletes CRs whose TTL passed (chart default 336h)',
    'delete nvsentinel.dgxc.nvidia.com/externalremediationrequests':
      'TTL collector: deletes CRs whose TTL passed (chart default 336h)',
    'update janitor.dgxc.nvidia.com/rebootnodes/finalizers':
      'not a call: a real API server (OwnerReferencesPermissionEnforcement) requires it to create the node-lock Lease owned by the CR with blockOwnerDeletion',
    'update janitor.dgxc.nvidia.com/terminatenodes/finalizers':
      'not a call: required to create the node-lock Lease owned by the CR with blockOwnerDeletion',
    'update janitor.dgxc.nvidia.com/gpuresets/finalizers':
      'not a call: required to create the node-lock Lease and reset Job owned by the CR with blockOwnerDeletion',
    'update nvsentinel.dgxc.nvidia.com/externalremediationrequests/finalizers':
      'not a call: required to create the node-lock Lease owned by the request with blockOwnerDeletion',
    'delete batch/jobs': 'GPUReset deletes its reset Job when the CR is deleted mid-reset or the Job failed',
  },
  'janitor-provider': {},
};

/**
 * Calls the recorded run makes only because it runs a CSP the chart does not deploy, with why the
 * chart needs no rule for them.
 */
export const TEST_ONLY_CALLS: Record<string, Record<Call, string>> = {
  'csp-health-monitor': {
    'get /configmaps':
      'the `sim` CSP reads its maintenance schedule ConfigMap; the chart offers gcp, aws and lambda, which poll the cloud',
  },
};
