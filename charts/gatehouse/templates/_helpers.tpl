{{/* The chart name, or nameOverride. */}}
{{- define "gatehouse.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The name of every object: fullnameOverride, or RELEASE-gatehouse (just RELEASE when it contains the chart name). */}}
{{- define "gatehouse.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Labels that select the pods. */}}
{{- define "gatehouse.selectorLabels" -}}
app.kubernetes.io/name: {{ include "gatehouse.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Labels of every object. */}}
{{- define "gatehouse.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | trunc 63 | trimSuffix "-" }}
{{ include "gatehouse.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* The Secret the pods read their secret settings from. */}}
{{- define "gatehouse.secretName" -}}
{{- if .Values.existingSecret -}}
{{- .Values.existingSecret -}}
{{- else -}}
{{- include "gatehouse.fullname" . -}}
{{- end -}}
{{- end -}}

{{/* Stops the render with a clear message when a required value is missing or wrong. */}}
{{- define "gatehouse.validate" -}}
{{- $_ := required "publicBaseUrl is required: the external URL of Gatehouse, such as https://gatehouse.example.com" .Values.publicBaseUrl -}}
{{- if not .Values.existingSecret -}}
{{- $_ := required "platformAdminPassword is required (or existingSecret)" .Values.platformAdminPassword -}}
{{- $_ := required "jwtSecretKey is required (or existingSecret): 32 characters or more, shared by every replica" .Values.jwtSecretKey -}}
{{- if lt (len .Values.jwtSecretKey) 32 -}}
{{- fail "jwtSecretKey must be 32 characters or more" -}}
{{- end -}}
{{- $_ := required "database.url is required (or existingSecret): postgres://USER:PASSWORD@HOST:5432/DB" .Values.database.url -}}
{{- if and (gt (int .Values.replicaCount) 1) (not .Values.redis.url) -}}
{{- fail "redis.url is required when replicaCount is more than 1: replicas share limits and revocations through Redis" -}}
{{- end -}}
{{- if and .Values.metrics.token (lt (len .Values.metrics.token) 32) -}}
{{- fail "metrics.token must be 32 characters or more" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The Secret's data. Its checksum on the pod template makes a change (a new admin password) roll the pods. */}}
{{- define "gatehouse.secretData" -}}
PLATFORM_ADMIN_PASSWORD: {{ .Values.platformAdminPassword | b64enc | quote }}
JWT_SECRET_KEY: {{ .Values.jwtSecretKey | b64enc | quote }}
DATABASE_URL: {{ .Values.database.url | b64enc | quote }}
{{- if .Values.redis.url }}
REDIS_URL: {{ .Values.redis.url | b64enc | quote }}
{{- end }}
{{- if .Values.smtp.password }}
SMTP_PASSWORD: {{ .Values.smtp.password | b64enc | quote }}
{{- end }}
{{- if .Values.metrics.token }}
METRICS_TOKEN: {{ .Values.metrics.token | b64enc | quote }}
{{- end }}
{{- if .Values.otel.headers }}
OTEL_EXPORTER_OTLP_HEADERS: {{ .Values.otel.headers | b64enc | quote }}
{{- end }}
{{- end -}}

{{/* The settings file (GATEHOUSE_CONFIG). */}}
{{- define "gatehouse.configData" -}}
{{- if .Values.config -}}
{{ toYaml .Values.config }}
{{- else -}}
{}
{{- end -}}
{{- end -}}
