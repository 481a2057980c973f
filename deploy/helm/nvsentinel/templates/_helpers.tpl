{{/* Names, labels, images and the pieces every service pod shares. */}}

{{- define "nvsentinel.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* <release>-<component>, as upstream's subcharts name their objects. */}}
{{- define "nvsentinel.componentName" -}}
{{- printf "%s-%s" .root.Release.Name .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "nvsentinel.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
app.kubernetes.io/part-of: nvsentinel
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
{{ include "nvsentinel.selectorLabels" . }}
{{- end -}}

{{- define "nvsentinel.selectorLabels" -}}
app.kubernetes.io/name: {{ .component }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{/* Image of a component: its own image.repository/tag, else global.image, tag → appVersion. */}}
{{- define "nvsentinel.image" -}}
{{- $g := .root.Values.global.image -}}
{{- $own := .values.image | default dict -}}
{{- $repo := $own.repository | default $g.repository -}}
{{- $tag := $own.tag | default $g.tag | default .root.Chart.AppVersion -}}
{{- printf "%s:%s" $repo $tag -}}
{{- end -}}

{{- define "nvsentinel.pullPolicy" -}}
{{- (.values.image | default dict).pullPolicy | default .root.Values.global.image.pullPolicy -}}
{{- end -}}

{{- define "nvsentinel.provider" -}}
{{- $ds := .Values.global.datastore | default dict -}}
{{- $ds.provider | default "mongodb" -}}
{{- end -}}

{{- define "nvsentinel.datastoreConfigName" -}}
{{- if .Values.global.datastore -}}
{{- printf "%s-datastore-config" .Release.Name -}}
{{- else -}}
mongodb-config
{{- end -}}
{{- end -}}

{{/* envFrom of every service: the datastore ConfigMap, then the credentials Secret (which wins). */}}
{{- define "nvsentinel.datastoreEnvFrom" -}}
- configMapRef:
    name: {{ include "nvsentinel.datastoreConfigName" . }}
{{- $ds := .Values.global.datastore | default dict }}
{{- with ($ds.credentialsFromSecret | default dict).name }}
- secretRef:
    name: {{ . }}
{{- end }}
{{- end -}}

{{/* The Secret holding the database client certificate (tls.crt, tls.key, ca.crt), or "". */}}
{{- define "nvsentinel.clientCertSecret" -}}
{{- $ds := .Values.global.datastore | default dict -}}
{{- $tls := $ds.tls | default dict -}}
{{- if $tls.clientCertSecretName -}}
{{- $tls.clientCertSecretName -}}
{{- else if eq (include "nvsentinel.provider" .) "postgresql" -}}
{{- if .Values.postgresql.enabled -}}postgresql-client-cert{{- end -}}
{{- else if .Values.global.mongodbStore.enabled -}}
{{- if .Values.mongodb.tls.enabled -}}mongo-app-client-cert-secret{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Database TLS flag, as upstream passes it: --database-client-cert-mount-path=<clientCertMountPath>
when the component has a mount path and a client certificate exists. Values overlays that use
password (SCRAM) auth blank clientCertMountPath, which drops the flag and the mount.
*/}}
{{- define "nvsentinel.certArgs" -}}
{{- if and .values.clientCertMountPath (include "nvsentinel.clientCertSecret" .root) }}
- --database-client-cert-mount-path={{ .values.clientCertMountPath }}
{{- end }}
{{- end -}}

{{/*
PostgreSQL refuses a client key readable by others, and Secret volumes are mounted 0644 through
fsGroup; so on PostgreSQL an init container copies the key into an emptyDir with 0600 (cert and CA
0644), as upstream's charts do. MongoDB reads the mounted Secret directly.
*/}}
{{- define "nvsentinel.certInitContainer" -}}
{{- $secret := include "nvsentinel.clientCertSecret" .root -}}
{{- if and .values.clientCertMountPath $secret (eq (include "nvsentinel.provider" .root) "postgresql") }}
- name: fix-cert-permissions
  image: "{{ .root.Values.global.initContainerImage.repository }}:{{ .root.Values.global.initContainerImage.tag }}"
  imagePullPolicy: {{ .root.Values.global.initContainerImage.pullPolicy }}
  command:
    - sh
    - -c
    - >-
      cp /certs-source/tls.crt /certs-source/tls.key /certs-source/ca.crt /certs/ &&
      chmod 600 /certs/tls.key && chmod 644 /certs/tls.crt /certs/ca.crt
  securityContext:
    {{- include "nvsentinel.containerSecurityContext" . | nindent 4 }}
  resources:
    requests: { cpu: 10m, memory: 16Mi }
    limits: { cpu: 100m, memory: 32Mi }
  volumeMounts:
    - name: client-certs-source
      mountPath: /certs-source
      readOnly: true
    - name: client-certs
      mountPath: /certs
{{- end }}
{{- end -}}

{{- define "nvsentinel.certVolumes" -}}
{{- $secret := include "nvsentinel.clientCertSecret" .root -}}
{{- if and .values.clientCertMountPath $secret }}
{{- if eq (include "nvsentinel.provider" .root) "postgresql" }}
- name: client-certs-source
  secret:
    secretName: {{ $secret }}
    defaultMode: 0440
- name: client-certs
  emptyDir:
    medium: Memory
    sizeLimit: 1Mi
{{- else }}
- name: client-certs
  secret:
    secretName: {{ $secret }}
    defaultMode: 0440
{{- end }}
{{- end }}
{{- end -}}

{{- define "nvsentinel.certVolumeMounts" -}}
{{- if and .values.clientCertMountPath (include "nvsentinel.clientCertSecret" .root) }}
- name: client-certs
  mountPath: {{ .values.clientCertMountPath }}
  readOnly: true
{{- end }}
{{- end -}}

{{- define "nvsentinel.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 1000
runAsGroup: 1000
fsGroup: 1000
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "nvsentinel.containerSecurityContext" -}}
allowPrivilegeEscalation: false
{{- /* live update (Tilt) writes compiled output into the running container */}}
readOnlyRootFilesystem: {{ not .root.Values.global.liveUpdate }}
runAsNonRoot: true
capabilities:
  drop: [ALL]
{{- end -}}

{{/* Liveness /healthz and readiness /readyz on the metrics port (service-kit's server). */}}
{{- define "nvsentinel.probes" -}}
livenessProbe:
  httpGet:
    path: /healthz
    port: metrics
  initialDelaySeconds: 5
  periodSeconds: 10
  failureThreshold: 6
readinessProbe:
  httpGet:
    path: /readyz
    port: metrics
  initialDelaySeconds: 3
  periodSeconds: 5
  failureThreshold: 3
startupProbe:
  httpGet:
    path: /healthz
    port: metrics
  periodSeconds: 5
  failureThreshold: 60
{{- end -}}

{{/* Env every service gets: namespace (resume-control, breaker ConfigMaps), log level. */}}
{{- define "nvsentinel.commonEnv" -}}
- name: POD_NAMESPACE
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
- name: LOG_LEVEL
  value: {{ .values.logLevel | default .root.Values.global.logLevel | quote }}
{{- end -}}

{{/* Scheduling of a Deployment: its own values, then the system-node globals, then the globals. */}}
{{- define "nvsentinel.deploymentScheduling" -}}
{{- $g := .root.Values.global -}}
{{- with (.values.nodeSelector | default $g.systemNodeSelector | default $g.nodeSelector) }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with (.values.tolerations | default $g.systemNodeTolerations | default $g.tolerations) }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with (.values.affinity | default $g.affinity) }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $g.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{- define "nvsentinel.podAnnotations" -}}
{{- $merged := merge (deepCopy (.values.podAnnotations | default dict)) (.root.Values.global.podAnnotations | default dict) -}}
{{- with $merged }}
{{- toYaml . }}
{{- end }}
{{- end -}}

{{/* The command every service container runs (the image's WORKDIR is /app; node handles SIGTERM). */}}
{{- define "nvsentinel.command" -}}
- node
{{- if .root.Values.global.liveUpdate }}
{{- /* restart when Tilt syncs new compiled output (node's own file watcher) */}}
- --watch
{{- end }}
- {{ .values.entrypoint }}
{{- end -}}

{{/* component → enabled, for templates that loop over every service. */}}
{{- define "nvsentinel.enabledComponents" -}}
{{- $g := .Values.global -}}
platform-connectors: true
fault-quarantine: {{ $g.faultQuarantine.enabled }}
node-drainer: {{ $g.nodeDrainer.enabled }}
fault-remediation: {{ $g.faultRemediation.enabled }}
health-events-analyzer: {{ $g.healthEventsAnalyzer.enabled }}
csp-health-monitor: {{ $g.cspHealthMonitor.enabled }}
janitor: {{ $g.janitor.enabled }}
janitor-provider: {{ $g.janitorProvider.enabled }}
{{- end -}}
