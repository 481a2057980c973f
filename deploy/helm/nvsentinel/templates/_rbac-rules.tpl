{{/*
Least-privilege rules per service: `cluster` rules go into a ClusterRole (nodes, pods, events in
the node's namespace, cluster-scoped CRs), `namespaced` rules into a Role in the release namespace
(the services' own ConfigMaps, Leases, Jobs). deploy/test/src/rbac.spec.ts holds the table of API
calls each service makes and checks these rules allow exactly those.
*/}}
{{- define "nvsentinel.rbacRules" -}}
platform-connectors:
  cluster:
    # MetadataAugmentor reads the node; the mirror writes node conditions (nodes/status) and Events
    - { apiGroups: [""], resources: [nodes], verbs: [get] }
    - { apiGroups: [""], resources: [nodes/status], verbs: [patch] }
    - { apiGroups: [""], resources: [events], verbs: [create, patch] }
  namespaced: []
fault-quarantine:
  cluster:
    # node informer (list/watch), cordon/taint/label/annotate (patch)
    - { apiGroups: [""], resources: [nodes], verbs: [get, list, watch, patch] }
  namespaced:
    # circuit-breaker and resume-control ConfigMaps
    - { apiGroups: [""], resources: [configmaps], verbs: [get, create, update] }
node-drainer:
  cluster:
    - { apiGroups: [""], resources: [nodes], verbs: [get, patch] }
    # pods of the drained node: list + watch (pod watch), delete (force / DeleteAfterTimeout)
    - { apiGroups: [""], resources: [pods], verbs: [list, watch, delete] }
    - { apiGroups: [""], resources: [pods/eviction], verbs: [create] }
    - { apiGroups: [""], resources: [events], verbs: [create, patch] }
  namespaced:
    - { apiGroups: [""], resources: [configmaps], verbs: [get, create, update] }
fault-remediation:
  cluster:
    - { apiGroups: [janitor.dgxc.nvidia.com], resources: [rebootnodes, terminatenodes, gpuresets], verbs: [get, list, create, update, patch] }
    - { apiGroups: [nvsentinel.dgxc.nvidia.com], resources: [externalremediationrequests], verbs: [get, list, create, update, patch] }
    - { apiGroups: [""], resources: [nodes], verbs: [get, list, watch, update, patch] }
    - { apiGroups: [""], resources: [events], verbs: [create, patch] }
  namespaced:
    - { apiGroups: [coordination.k8s.io], resources: [leases], verbs: [get, create, update, patch] }
    - { apiGroups: [""], resources: [configmaps], verbs: [get, create, update] }
    - { apiGroups: [batch], resources: [jobs], verbs: [get, list, watch, create, update, delete] }
health-events-analyzer:
  cluster: []
  namespaced:
    - { apiGroups: [""], resources: [configmaps], verbs: [get, create, update] }
csp-health-monitor:
  cluster:
    - { apiGroups: [""], resources: [nodes, nodes/status], verbs: [get, list, watch] }
  namespaced:
    - { apiGroups: [""], resources: [configmaps], verbs: [get, create, update] }
janitor:
  cluster:
    - { apiGroups: [""], resources: [nodes], verbs: [get, list, watch, patch, update, delete] }
    - { apiGroups: [""], resources: [pods], verbs: [get, list, watch, patch] }
    - { apiGroups: [""], resources: [events], verbs: [create, patch, update] }
    - { apiGroups: [janitor.dgxc.nvidia.com], resources: [rebootnodes, terminatenodes, gpuresets], verbs: [get, list, watch, create, update, patch, delete] }
    - { apiGroups: [janitor.dgxc.nvidia.com], resources: [rebootnodes/status, terminatenodes/status, gpuresets/status], verbs: [get, update, patch] }
    - { apiGroups: [janitor.dgxc.nvidia.com], resources: [rebootnodes/finalizers, terminatenodes/finalizers, gpuresets/finalizers], verbs: [update] }
    - { apiGroups: [nvsentinel.dgxc.nvidia.com], resources: [externalremediationrequests], verbs: [get, list, watch, update, patch, delete] }
    - { apiGroups: [nvsentinel.dgxc.nvidia.com], resources: [externalremediationrequests/status], verbs: [get, update, patch] }
    - { apiGroups: [nvsentinel.dgxc.nvidia.com], resources: [externalremediationrequests/finalizers], verbs: [update] }
  namespaced:
    - { apiGroups: [coordination.k8s.io], resources: [leases], verbs: [get, list, watch, create, update, delete] }
    - { apiGroups: [batch], resources: [jobs], verbs: [get, list, watch, create, delete, patch] }
janitor-provider:
  cluster:
    - { apiGroups: [""], resources: [nodes], verbs: [get, list, watch] }
    - { apiGroups: [authentication.k8s.io], resources: [tokenreviews], verbs: [create] }
  namespaced: []
{{- end -}}
