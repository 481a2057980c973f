{{/*
One Deployment per service. Inputs (a dict): root, component, values, args (list), env (YAML
text), datastore (bool: envFrom the datastore ConfigMap and mount the client certificate),
configMap (name mounted at configMountPath, or ""), configMountPath, extraVolumes / extraMounts /
sidecars (YAML text), ports (YAML text, after the metrics port), strategy.
*/}}
{{- define "nvsentinel.deployment" -}}
{{- $root := .root -}}
{{- $v := .values -}}
{{- $name := include "nvsentinel.componentName" (dict "root" $root "component" .component) -}}
{{- $ctx := dict "root" $root "component" .component "values" $v -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $name }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "nvsentinel.labels" $ctx | nindent 4 }}
spec:
  replicas: {{ $v.replicaCount | default 1 }}
  revisionHistoryLimit: 3
  {{- /* Change-stream consumers keep one writer per status field: never two versions at once. */}}
  strategy:
    type: {{ .strategy | default "Recreate" }}
  selector:
    matchLabels:
      {{- include "nvsentinel.selectorLabels" $ctx | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "nvsentinel.labels" $ctx | nindent 8 }}
      annotations:
        checksum/config: {{ .checksum | default "" | quote }}
        {{- with (include "nvsentinel.podAnnotations" $ctx) }}
        {{- . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ $name }}
      automountServiceAccountToken: true
      terminationGracePeriodSeconds: 60
      securityContext:
        {{- include "nvsentinel.podSecurityContext" $ctx | nindent 8 }}
      {{- if .datastore }}
      {{- with (include "nvsentinel.certInitContainer" $ctx) }}
      initContainers:
        {{- . | nindent 8 }}
      {{- end }}
      {{- end }}
      containers:
        - name: {{ .component }}
          image: {{ include "nvsentinel.image" $ctx | quote }}
          imagePullPolicy: {{ include "nvsentinel.pullPolicy" $ctx }}
          command:
            {{- include "nvsentinel.command" $ctx | nindent 12 }}
          {{- $certArgs := ternary (include "nvsentinel.certArgs" $ctx) "" (not (not .datastore)) }}
          {{- if or .args (trim $certArgs) }}
          args:
            {{- range .args }}
            - {{ . | quote }}
            {{- end }}
            {{- with (trim $certArgs) }}
            {{- . | nindent 12 }}
            {{- end }}
          {{- end }}
          env:
            {{- include "nvsentinel.commonEnv" $ctx | nindent 12 }}
            {{- with .env }}
            {{- . | nindent 12 }}
            {{- end }}
            {{- with $v.extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          {{- if .datastore }}
          envFrom:
            {{- include "nvsentinel.datastoreEnvFrom" $root | nindent 12 }}
          {{- end }}
          ports:
            - name: metrics
              containerPort: {{ $root.Values.global.metricsPort }}
              protocol: TCP
            {{- with .ports }}
            {{- . | nindent 12 }}
            {{- end }}
          {{- include "nvsentinel.probes" $ctx | nindent 10 }}
          resources:
            {{- toYaml $v.resources | nindent 12 }}
          securityContext:
            {{- include "nvsentinel.containerSecurityContext" $ctx | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            {{- if .configMap }}
            - name: config
              mountPath: {{ .configMountPath | default "/etc/config" }}
              readOnly: true
            {{- end }}
            {{- if .datastore }}
            {{- include "nvsentinel.certVolumeMounts" $ctx | nindent 12 }}
            {{- end }}
            {{- with .extraMounts }}
            {{- . | nindent 12 }}
            {{- end }}
        {{- with .sidecars }}
        {{- . | nindent 8 }}
        {{- end }}
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: 64Mi
        {{- if .configMap }}
        - name: config
          configMap:
            name: {{ .configMap }}
        {{- end }}
        {{- if .datastore }}
        {{- include "nvsentinel.certVolumes" $ctx | nindent 8 }}
        {{- end }}
        {{- with .extraVolumes }}
        {{- . | nindent 8 }}
        {{- end }}
      {{- include "nvsentinel.deploymentScheduling" $ctx | nindent 6 }}
{{- end -}}

{{/* ServiceAccount plus ClusterRole/Role and bindings from a rules list (see rbac.yaml). */}}
{{- define "nvsentinel.serviceAccount" -}}
{{- $name := include "nvsentinel.componentName" . -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ $name }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "nvsentinel.labels" . | nindent 4 }}
automountServiceAccountToken: false
{{- end -}}
