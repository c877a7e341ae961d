#!/usr/bin/env bash
# helm 3 (installed by scripts/deps.sh as /usr/local/lib/sampan-test/helm, or $HELM) against
# the server, unchanged: the chart `helm create` makes is installed, listed, upgraded,
# rolled back and uninstalled (its objects gone); `helm template | kubectl apply -f -`; a
# chart with a CRD in crds/, a custom object and hooks (pre-install with
# hook-succeeded, post-install with before-hook-creation, pre-delete) is installed and
# uninstalled. Pods need not run, so nothing waits for readiness (no --wait).
# Ends with "N passed, N failed".
set -uo pipefail
source "$(dirname "$0")/lib/common.sh"

HELM=${HELM:-/usr/local/lib/sampan-test/helm}
if [[ ! -x $HELM ]]; then
  fail "helm present" "$HELM missing (scripts/deps.sh installs it)"
  finish
  exit 1
fi
pass "helm present: $("$HELM" version --short 2>&1)"

require_server
use_kubectl 1.33 || { finish; exit 1; }
# helm's own state stays in the test's directory.
export HELM_CACHE_HOME=$TMP/helm/cache HELM_CONFIG_HOME=$TMP/helm/config HELM_DATA_HOME=$TMP/helm/data
h() { "$HELM" --kubeconfig "$KUBECONFIG" "$@"; }
cd "$TMP" || exit 1

# --- the chart `helm create` makes ---
check "helm create" h create demo
check "helm install" h install demo ./demo -n web --create-namespace
out=$(h list -n web 2>&1)
if [[ $out =~ demo[[:space:]]+web[[:space:]]+1[[:space:]].*deployed ]]; then pass "helm list"; else fail "helm list" "$out"; fi
expect "deployment created" "1" k -n web get deploy demo -o jsonpath='{.spec.replicas}'
check "service created" k -n web get service demo
check "service account created" k -n web get serviceaccount demo
expect "release stored in a secret" "sh.helm.release.v1.demo.v1" \
  k -n web get secrets -l owner=helm,name=demo -o jsonpath='{.items[*].metadata.name}'

check "helm upgrade --set replicaCount=2" h upgrade demo ./demo -n web --set replicaCount=2
expect "upgrade applied" "2" k -n web get deploy demo -o jsonpath='{.spec.replicas}'
out=$(h history demo -n web 2>&1)
contains "helm history: install superseded" "$out" "superseded"
contains "helm history: upgrade deployed" "$out" "Upgrade complete"

check "helm rollback" h rollback demo 1 -n web
expect "rollback applied" "1" k -n web get deploy demo -o jsonpath='{.spec.replicas}'
out=$(h history demo -n web 2>&1)
if [[ $out =~ 3[[:space:]].*deployed.*Rollback\ to\ 1 ]]; then pass "helm history after rollback"; else fail "helm history after rollback" "$out"; fi
out=$(h get values demo -n web --revision 2 2>&1)
contains "helm get values of revision 2" "$out" "replicaCount: 2"

check "helm uninstall" h uninstall demo -n web
gone() { ! k -n web get "$@" >/dev/null 2>&1; }
if wait_until 20 gone deploy/demo && gone service/demo && gone serviceaccount/demo; then
  pass "uninstall removed the objects"
else
  fail "uninstall removed the objects" "$(k -n web get all,sa 2>&1)"
fi
expect "uninstall removed the release secrets" "" k -n web get secrets -l owner=helm -o name
out=$(h list -n web --all 2>&1)
if [[ $out != *demo* ]]; then pass "helm list after uninstall"; else fail "helm list after uninstall" "$out"; fi

# --- helm template | kubectl apply ---
k create namespace tmpl >/dev/null
if h template demo ./demo -n tmpl --set replicaCount=3 | k apply -n tmpl -f - >"$TMP/apply.out" 2>&1; then
  pass "helm template | kubectl apply"
else
  fail "helm template | kubectl apply" "$(cat "$TMP/apply.out")"
fi
expect "templated deployment" "3" k -n tmpl get deploy demo -o jsonpath='{.spec.replicas}'
if h template demo ./demo -n tmpl --set replicaCount=3 | k apply -n tmpl -f - >"$TMP/apply.out" 2>&1 &&
  grep -q "deployment.apps/demo unchanged" "$TMP/apply.out"; then
  pass "second apply unchanged"
else
  fail "second apply unchanged" "$(cat "$TMP/apply.out")"
fi

# --- a chart with a CRD and hooks ---
mkdir -p hooks/crds hooks/templates
cat >hooks/Chart.yaml <<'YAML'
apiVersion: v2
name: hooks
version: 0.1.0
YAML
cat >hooks/crds/gizmo.yaml <<'YAML'
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gizmos.helm.example.com}
spec:
  group: helm.example.com
  scope: Namespaced
  names: {plural: gizmos, singular: gizmo, kind: Gizmo}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer, default: 1}
YAML
cat >hooks/templates/gizmo.yaml <<'YAML'
apiVersion: helm.example.com/v1
kind: Gizmo
metadata: {name: {{ .Release.Name }}-gizmo}
spec: {}
YAML
cat >hooks/templates/config.yaml <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata: {name: {{ .Release.Name }}-config}
data: {release: {{ .Release.Name | quote }}}
YAML
hook() {  # hook NAME WHEN DELETE-POLICY
  cat >"hooks/templates/$1.yaml" <<YAML
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-$1
  annotations:
    helm.sh/hook: $2
    helm.sh/hook-delete-policy: $3
data: {hook: "$2"}
YAML
}
hook pre-install pre-install hook-succeeded
hook post-install post-install before-hook-creation
hook pre-delete pre-delete before-hook-creation

check "install a chart with a CRD and hooks" h install gz ./hooks -n hooks --create-namespace
expect "CRD from crds/ installed" "True" \
  k get crd gizmos.helm.example.com -o jsonpath='{.status.conditions[?(@.type=="Established")].status}'
expect "custom object created and defaulted" "1" k -n hooks get gizmo gz-gizmo -o jsonpath='{.spec.size}'
check "post-install hook kept (before-hook-creation)" k -n hooks get configmap gz-post-install
if gone_hooks() { ! k -n hooks get configmap gz-pre-install >/dev/null 2>&1; }; wait_until 20 gone_hooks; then
  pass "pre-install hook deleted (hook-succeeded)"
else
  fail "pre-install hook deleted (hook-succeeded)" "$(k -n hooks get cm 2>&1)"
fi
out=$(h get hooks gz -n hooks 2>&1)
contains "helm get hooks" "$out" "helm.sh/hook: pre-install"
check "upgrade the chart with hooks" h upgrade gz ./hooks -n hooks
check "uninstall the chart with hooks" h uninstall gz -n hooks
if wait_until 20 eval '! k -n hooks get gizmo gz-gizmo >/dev/null 2>&1 && ! k -n hooks get configmap gz-config >/dev/null 2>&1'; then
  pass "uninstall removed the custom object and config"
else
  fail "uninstall removed the custom object and config" "$(k -n hooks get gizmos,cm 2>&1)"
fi
check "pre-delete hook ran" k -n hooks get configmap gz-pre-delete
expect "helm keeps CRDs on uninstall (as upstream)" "gizmos.helm.example.com" \
  k get crd gizmos.helm.example.com -o jsonpath='{.metadata.name}'

finish
