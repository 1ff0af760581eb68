{{/* The release's name, truncated to what a DNS label allows. */}}
{{- define "paddock.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "paddock.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "paddock.labels" -}}
{{ include "paddock.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "paddock.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "paddock.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "paddock.secretName" -}}
{{- default (include "paddock.fullname" .) .Values.secrets.existingSecret -}}
{{- end -}}

{{/* paddock.yaml: the chart's fixed parts (listen address, mounted key paths) under the user's config. */}}
{{- define "paddock.config" -}}
{{- $fixed := dict
  "server" (dict "host" "0.0.0.0" "port" (int .Values.service.port))
  "security" (dict "masterKeyFile" "/secrets/master.key")
  "auth" (dict "signing" (dict "privateKeyFile" "/secrets/jwt-private.pem" "publicKeyFile" "/secrets/jwt-public.pem"))
  "audit" (dict "dir" "/audit")
  "accountsFile" "/secrets/accounts.yaml" -}}
{{- if .Values.secrets.metricsToken }}{{ $_ := set $fixed "metrics" (dict "tokenFile" "/secrets/metrics-token") }}{{ end -}}
{{- if .Values.tracing.enabled }}{{ $_ := set $fixed "tracing" (dict "enabled" true) }}{{ end -}}
{{- if .Values.shards }}
{{- $shards := list }}
{{- range .Values.shards }}{{ $shards = append $shards (pick . "id" "accounts" "tags") }}{{ end }}
{{- $_ := set $fixed "shards" $shards }}
{{- end -}}
{{- toYaml (mustMergeOverwrite (deepCopy .Values.config) $fixed) -}}
{{- end -}}
