{{/*
Least-privilege rules per service: `cluster` rules go into a ClusterRole (nodes, pods, events in
the node's namespace, cluster-scoped CRs), `namespaced` rules into a Role in the release namespace
(the services' own ConfigMaps, Leases, Jobs). They are what the code calls: deploy/test/src/rbac.spec.ts
holds the table of calls per service and checks these rules equal it, and rbac-recorded.spec.ts
records the calls every service makes against the cluster simulator and checks both directions
(each recorded call allowed; each rule exercised or listed there with the reason it is kept).
Upstream grants more (e.g. events to fault-remediation and janitor, nodes/status to
csp-health-monitor, a resume-control Role to the analyzer); our services do not make those calls.
*/}}
{{- define "nvsentinel.rbacRules" -}}
{{- $provider := index .Values "janitor-provider" -}}
platform-connectors:
  cluster:
    # MetadataAugmentor reads the node; the mirror writes node conditions (nodes/status) and Events
    - { apiGroups: [""], resources: [nodes], verbs: [get] }
    - { apiGroups: [""], resources: [nodes/status], verbs: [patch] }
    - { apiGroups: [""], resources: [events], verbs: [create, patch] }
  namespaced: []
fault-quarantine:
  cluster:
    # node informer (list/watch), cordon/taint/label/annotate (get + patch)
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
    # maintenance CRs of the configured actions: create, and read back for the state check
    - { apiGroups: [janitor.dgxc.nvidia.com], resources: [rebootnodes, terminatenodes, gpuresets], verbs: [get, create] }
    - { apiGroups: [nvsentinel.dgxc.nvidia.com], resources: [externalremediationrequests], verbs: [get, create] }
    # node cache (list/watch), node read and the remediation-state annotation/label (patch)
    - { apiGroups: [""], resources: [nodes], verbs: [get, list, watch, patch] }
  namespaced:
    # leader election
    - { apiGroups: [coordination.k8s.io], resources: [leases], verbs: [get, create, update] }
    # resume control
    - { apiGroups: [""], resources: [configmaps], verbs: [get, create, update] }
    # log-collector Jobs (logCollector.enabled)
    - { apiGroups: [batch], resources: [jobs], verbs: [list, create, patch] }
health-events-analyzer:
  # the analyzer talks to the datastore and the node socket only
  cluster: []
  namespaced: []
csp-health-monitor:
  cluster:
    # node cache of the monitor and of the notifier sidecar (same ServiceAccount)
    - { apiGroups: [""], resources: [nodes], verbs: [list, watch] }
  namespaced: []
janitor:
  cluster:
    # node reads and watch, labels/taints/annotations (patch), removal of a terminated node
    - { apiGroups: [""], resources: [nodes], verbs: [get, list, watch, patch, delete] }
    # GPUReset waits for the GPU operator's pods to go and come back
    - { apiGroups: [""], resources: [pods], verbs: [list] }
    # the maintenance CRs: watch + read, finalizers and TTL annotations (patch), TTL deletion
    - { apiGroups: [janitor.dgxc.nvidia.com], resources: [rebootnodes, terminatenodes, gpuresets], verbs: [get, list, watch, patch, delete] }
    - { apiGroups: [janitor.dgxc.nvidia.com], resources: [rebootnodes/status, terminatenodes/status, gpuresets/status], verbs: [patch] }
    # ownerReferences with blockOwnerDeletion (node-lock Leases, reset Jobs) need update on finalizers
    - { apiGroups: [janitor.dgxc.nvidia.com], resources: [rebootnodes/finalizers, terminatenodes/finalizers, gpuresets/finalizers], verbs: [update] }
    - { apiGroups: [nvsentinel.dgxc.nvidia.com], resources: [externalremediationrequests], verbs: [get, list, watch, patch, delete] }
    - { apiGroups: [nvsentinel.dgxc.nvidia.com], resources: [externalremediationrequests/status], verbs: [patch] }
    - { apiGroups: [nvsentinel.dgxc.nvidia.com], resources: [externalremediationrequests/finalizers], verbs: [update] }
  namespaced:
    # node locks and leader election
    - { apiGroups: [coordination.k8s.io], resources: [leases], verbs: [get, create, update, delete] }
    # GPUReset's reset Job
    - { apiGroups: [batch], resources: [jobs], verbs: [get, create, delete] }
janitor-provider:
  cluster:
    # the node a request names
    - { apiGroups: [""], resources: [nodes], verbs: [get] }
    {{- if $provider.auth.enabled }}
    # janitor's service-account token (auth.enabled)
    - { apiGroups: [authentication.k8s.io], resources: [tokenreviews], verbs: [create] }
    {{- end }}
    {{- if eq $provider.csp.provider "sim" }}
    # the `sim` CSP reboots by annotating the node and terminates by deleting it
    - { apiGroups: [""], resources: [nodes], verbs: [patch, delete] }
    {{- end }}
  {{- if eq $provider.csp.provider "generic" }}
  namespaced:
    # the `generic` CSP's reboot Jobs and their pods
    - { apiGroups: [batch], resources: [jobs], verbs: [list, create, delete] }
    - { apiGroups: [""], resources: [pods], verbs: [list] }
  {{- else }}
  namespaced: []
  {{- end }}
{{- end -}}
