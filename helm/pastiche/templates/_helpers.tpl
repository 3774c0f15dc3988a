{{/* Names and labels, as `helm create` makes them. */}}
{{- define "pastiche.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "pastiche.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "pastiche.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "pastiche.labels" -}}
helm.sh/chart: {{ include "pastiche.chart" . }}
{{ include "pastiche.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "pastiche.selectorLabels" -}}
app.kubernetes.io/name: {{ include "pastiche.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Labels of one role's resources; call with (dict "root" $ "component" "api"). */}}
{{- define "pastiche.componentLabels" -}}
{{ include "pastiche.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "pastiche.componentSelectorLabels" -}}
{{ include "pastiche.selectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "pastiche.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "pastiche.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "pastiche.apiImage" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* The CUDA image is tagged like the CPU one with -cuda appended (docs/deployment.md). */}}
{{- define "pastiche.workerImage" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag }}
{{- if .Values.worker.gpu.enabled }}{{ $tag = printf "%s-cuda" $tag }}{{ end }}
{{- printf "%s:%s" (default .Values.image.repository .Values.worker.image.repository) (default $tag .Values.worker.image.tag) }}
{{- end }}

{{- define "pastiche.secretName" -}}
{{- include "pastiche.fullname" . }}
{{- end }}

{{/* The JDBC URL of database.*; KEDA's trigger is built from the same values. */}}
{{- define "pastiche.jdbcUrl" -}}
{{- with .Values.database }}
{{- printf "jdbc:postgresql://%s:%d/%s?sslmode=%s" .host (int .port) .name .sslmode }}
{{- end }}
{{- end }}

{{/*
Environment of a Pastiche container; call with (dict "root" $ "component" "api"|"worker").
Names are Spring Boot's relaxed environment form of the properties in application.yml and the
*Properties records: jobrunr.background-job-server.enabled → JOBRUNR_BACKGROUNDJOBSERVER_ENABLED.
*/}}
{{- define "pastiche.env" -}}
{{- $root := .root }}
{{- $v := $root.Values }}
{{- $secret := include "pastiche.secretName" $root -}}
- name: JOBRUNR_BACKGROUNDJOBSERVER_ENABLED
  value: {{ eq .component "worker" | quote }}
# PyTorch's CPU threads: the pod's share of the node, not every core of it
- name: OMP_NUM_THREADS
  value: {{ (index $v .component).cpuThreads | quote }}
{{- if eq .component "worker" }}
# one optimisation per process: PyTorch allows one gradient collector per JVM
- name: JOBRUNR_BACKGROUNDJOBSERVER_WORKERCOUNT
  value: "1"
- name: PASTICHE_TRANSFER_MEMORYBUDGET
  value: {{ $v.worker.memoryBudget | quote }}
- name: PASTICHE_JOBS_CHECKPOINTINTERVAL
  value: {{ $v.worker.checkpointInterval | quote }}
# how long shutdown waits for the running job's final checkpoint: the grace period less the preStop sleep and 20 s
- name: SPRING_LIFECYCLE_TIMEOUTPERSHUTDOWNPHASE
  value: {{ printf "%ds" (sub (sub $v.worker.terminationGracePeriodSeconds $v.worker.preStopSleepSeconds) 20) | quote }}
- name: JAVA_TOOL_OPTIONS
  value: {{ $v.worker.javaOpts | quote }}
{{- else }}
- name: PASTICHE_MODEL_MAXCONCURRENT
  value: {{ $v.api.maxConcurrentScoring | quote }}
- name: JAVA_TOOL_OPTIONS
  value: {{ $v.api.javaOpts | quote }}
{{- end }}
- name: SPRING_DATASOURCE_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ default $secret $v.database.existingSecret }}
      key: {{ ternary $v.database.existingSecretKey "database-password" (ne $v.database.existingSecret "") }}
{{- if or $v.auth.apiKeys $v.auth.existingSecret }}
- name: PASTICHE_SECURITY_APIKEYS
  valueFrom:
    secretKeyRef:
      name: {{ default $secret $v.auth.existingSecret }}
      key: api-keys
{{- end }}
{{- if or $v.webhooks.secret $v.webhooks.existingSecret }}
- name: PASTICHE_WEBHOOKS_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ default $secret $v.webhooks.existingSecret }}
      key: webhook-secret
{{- end }}
{{- if and (eq $v.storage.type "s3") (or $v.storage.s3.accessKey $v.storage.s3.existingSecret) }}
- name: PASTICHE_STORAGE_S3_ACCESSKEY
  valueFrom:
    secretKeyRef:
      name: {{ default $secret $v.storage.s3.existingSecret }}
      key: access-key
- name: PASTICHE_STORAGE_S3_SECRETKEY
  valueFrom:
    secretKeyRef:
      name: {{ default $secret $v.storage.s3.existingSecret }}
      key: secret-key
{{- end }}
{{- with $v.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "pastiche.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
- name: djl-cache
  mountPath: /var/cache/djl
- name: data
  mountPath: /app/data
{{- if .Values.weights.volume }}
- name: weights
  mountPath: {{ .Values.weights.mountPath }}
  readOnly: true
{{- end }}
{{- if eq .Values.storage.type "filesystem" }}
- name: blobs
  mountPath: /app/data/blobs
{{- end }}
{{- end }}

{{- define "pastiche.volumes" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.scratch.tmpSizeLimit }}
- name: djl-cache
  emptyDir:
    sizeLimit: {{ .Values.scratch.djlCacheSizeLimit }}
- name: data
  emptyDir:
    sizeLimit: {{ .Values.scratch.dataSizeLimit }}
{{- with .Values.weights.volume }}
- name: weights
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- if eq .Values.storage.type "filesystem" }}
- name: blobs
  persistentVolumeClaim:
    claimName: {{ required "storage.filesystem.existingClaim is required when storage.type is filesystem" .Values.storage.filesystem.existingClaim }}
{{- end }}
{{- end }}

{{- define "pastiche.probes" -}}
startupProbe:
  httpGet:
    path: /actuator/health/liveness
    port: http
  periodSeconds: {{ .Values.probes.startup.periodSeconds }}
  failureThreshold: {{ .Values.probes.startup.failureThreshold }}
livenessProbe:
  httpGet:
    path: /actuator/health/liveness
    port: http
  periodSeconds: {{ .Values.probes.liveness.periodSeconds }}
  failureThreshold: {{ .Values.probes.liveness.failureThreshold }}
readinessProbe:
  httpGet:
    path: /actuator/health/readiness
    port: http
  periodSeconds: {{ .Values.probes.readiness.periodSeconds }}
  failureThreshold: {{ .Values.probes.readiness.failureThreshold }}
{{- end }}
