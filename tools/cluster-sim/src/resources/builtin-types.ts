import { CORE_EVENT_STORAGE } from './event-conversion.js';
import { ALL_VERBS, type ResourceType } from './resource-type.js';

interface BuiltinSpec {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
  status?: boolean;
  generation?: boolean;
  fieldSelectors?: string[];
}

function builtin(spec: BuiltinSpec): ResourceType {
  return {
    group: spec.group,
    versions: [spec.version],
    plural: spec.plural,
    singular: spec.kind.toLowerCase(),
    kind: spec.kind,
    listKind: `${spec.kind}List`,
    namespaced: spec.namespaced,
    ...(spec.shortNames ? { shortNames: spec.shortNames } : {}),
    hasStatusSubresource: spec.status ?? false,
    tracksGeneration: spec.generation ?? false,
    fieldSelectors: spec.fieldSelectors ?? [],
    supportsStrategicMerge: true,
    verbs: ALL_VERBS,
    custom: false,
  };
}

const CORE_EVENT_FIELDS = [
  'involvedObject.kind',
  'involvedObject.namespace',
  'involvedObject.name',
  'involvedObject.uid',
  'involvedObject.apiVersion',
  'involvedObject.resourceVersion',
  'involvedObject.fieldPath',
  'reason',
  'reportingComponent',
  'type',
];

/** Kinds a chart deploys that the services never read: stored and listed, nothing more. */
const DEPLOYMENT_KINDS: BuiltinSpec[] = [
  { group: '', version: 'v1', plural: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true, shortNames: ['sa'] },
  { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true },
  {
    group: '',
    version: 'v1',
    plural: 'services',
    kind: 'Service',
    namespaced: true,
    shortNames: ['svc'],
    status: true,
  },
  {
    group: 'apps',
    version: 'v1',
    plural: 'deployments',
    kind: 'Deployment',
    namespaced: true,
    shortNames: ['deploy'],
    status: true,
    generation: true,
  },
  {
    group: 'apps',
    version: 'v1',
    plural: 'statefulsets',
    kind: 'StatefulSet',
    namespaced: true,
    shortNames: ['sts'],
    status: true,
    generation: true,
  },
  { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'clusterroles', kind: 'ClusterRole', namespaced: false },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    plural: 'clusterrolebindings',
    kind: 'ClusterRoleBinding',
    namespaced: false,
  },
  { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'roles', kind: 'Role', namespaced: true },
  { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'rolebindings', kind: 'RoleBinding', namespaced: true },
  {
    group: 'networking.k8s.io',
    version: 'v1',
    plural: 'networkpolicies',
    kind: 'NetworkPolicy',
    namespaced: true,
    shortNames: ['netpol'],
    generation: true,
  },
];

/** The built-in resources the simulator serves (the subset NVSentinel's services touch). */
export function builtinResourceTypes(): ResourceType[] {
  return [
    builtin({
      group: '',
      version: 'v1',
      plural: 'namespaces',
      kind: 'Namespace',
      namespaced: false,
      shortNames: ['ns'],
      status: true,
      fieldSelectors: ['status.phase'],
    }),
    builtin({
      group: '',
      version: 'v1',
      plural: 'nodes',
      kind: 'Node',
      namespaced: false,
      shortNames: ['no'],
      status: true,
      fieldSelectors: ['spec.unschedulable'],
    }),
    builtin({
      group: '',
      version: 'v1',
      plural: 'pods',
      kind: 'Pod',
      namespaced: true,
      shortNames: ['po'],
      status: true,
      generation: true,
      fieldSelectors: [
        'spec.nodeName',
        'spec.restartPolicy',
        'spec.schedulerName',
        'spec.serviceAccountName',
        'spec.hostNetwork',
        'status.phase',
        'status.podIP',
        'status.nominatedNodeName',
      ],
    }),
    builtin({
      group: '',
      version: 'v1',
      plural: 'configmaps',
      kind: 'ConfigMap',
      namespaced: true,
      shortNames: ['cm'],
    }),
    builtin({
      group: '',
      version: 'v1',
      plural: 'events',
      kind: 'Event',
      namespaced: true,
      shortNames: ['ev'],
      fieldSelectors: CORE_EVENT_FIELDS,
    }),
    {
      ...builtin({
        group: 'events.k8s.io',
        version: 'v1',
        plural: 'events',
        kind: 'Event',
        namespaced: true,
        shortNames: ['ev'],
        fieldSelectors: [
          'reason',
          'type',
          'regarding.kind',
          'regarding.namespace',
          'regarding.name',
          'regarding.uid',
          'reportingController',
        ],
      }),
      storedAs: CORE_EVENT_STORAGE,
    },
    // Stored only (no controller): kubectl drain and owner lookups need the DaemonSet objects to exist.
    builtin({
      group: 'apps',
      version: 'v1',
      plural: 'daemonsets',
      kind: 'DaemonSet',
      namespaced: true,
      shortNames: ['ds'],
      status: true,
      generation: true,
    }),
    // Stored only (no Job controller): janitor's generic provider creates reboot Jobs; tests play the kubelet.
    builtin({
      group: 'batch',
      version: 'v1',
      plural: 'jobs',
      kind: 'Job',
      namespaced: true,
      status: true,
      generation: true,
    }),
    builtin({ group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease', namespaced: true }),
    // Stored, and consulted before writes by the validating admission step (admission/validating-webhooks.ts).
    builtin({
      group: 'admissionregistration.k8s.io',
      version: 'v1',
      plural: 'validatingwebhookconfigurations',
      kind: 'ValidatingWebhookConfiguration',
      namespaced: false,
      generation: true,
    }),
    builtin({
      group: 'policy',
      version: 'v1',
      plural: 'poddisruptionbudgets',
      kind: 'PodDisruptionBudget',
      namespaced: true,
      shortNames: ['pdb'],
      status: true,
      generation: true,
    }),
    builtin({
      group: 'apiextensions.k8s.io',
      version: 'v1',
      plural: 'customresourcedefinitions',
      kind: 'CustomResourceDefinition',
      namespaced: false,
      shortNames: ['crd', 'crds'],
      status: true,
      generation: true,
    }),
    // Stored only (no controllers, no token or endpoint machinery): what a Helm chart installs
    // besides the kinds above, so `kubectl apply` of the rendered deploy chart is accepted.
    ...DEPLOYMENT_KINDS.map(builtin),
  ];
}
