#!/usr/bin/env bash
# Server-side apply and field ownership with kubectl 1.27 and 1.33 and the Python client:
# apply creates and records managedFields, a second manager conflicts (409) unless it forces,
# fields dropped from the applied file go, `kubectl scale` takes replicas over, client-side
# apply upgrades to server-side apply, and dryRun=All keeps nothing on every verb.
# Ends with "N passed, N failed".
set -uo pipefail
source "$(dirname "$0")/lib/common.sh"

require_server

for version in 1.27 1.33; do
  use_kubectl "$version" || continue
  ns="ssa${version/./}"
  k create namespace "$ns" >/dev/null
  field() { k -n "$ns" get deploy web -o jsonpath="$1"; }
  managers() { k -n "$ns" get "$1" -o jsonpath='{range .metadata.managedFields[*]}{.manager}/{.operation}/{.subresource} {end}'; }

  cat >"$TMP/v1.yaml" <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: $ns, labels: {app: web, tier: front}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: nginx
        image: "nginx:1.25"
        env: [{name: FOO, value: "1"}]
        ports: [{containerPort: 80}]
YAML
  # v2 drops replicas, the tier label and the env list.
  sed -e '/replicas:/d' -e 's/, tier: front//' -e '/env:/d' "$TMP/v1.yaml" >"$TMP/v2.yaml"
  cat >"$TMP/other.yaml" <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: $ns}
spec: {replicas: 3}
YAML

  out=$(k apply --server-side -f "$TMP/v1.yaml" 2>&1)
  contains "$version apply --server-side creates" "$out" "deployment.apps/web serverside-applied"
  yaml=$(k -n "$ns" get deploy web -o yaml --show-managed-fields)
  contains "$version managedFields: manager" "$yaml" "manager: kubectl"
  contains "$version managedFields: operation" "$yaml" "operation: Apply"
  contains "$version managedFields: fieldsType" "$yaml" "fieldsType: FieldsV1"
  contains "$version managedFields: container by key" "$yaml" 'k:{"name":"nginx"}:'
  contains "$version managedFields: port by its keys" "$yaml" 'k:{"containerPort":80,"protocol":"TCP"}:'
  if [[ $(k -n "$ns" get deploy web -o yaml) != *managedFields* ]]; then
    pass "$version managedFields hidden without --show-managed-fields"
  else
    fail "$version managedFields hidden without --show-managed-fields"
  fi
  rv=$(field '{.metadata.resourceVersion}')
  out=$(k apply --server-side -f "$TMP/v1.yaml" 2>&1)
  expect "$version re-apply of the same file changes nothing" "$rv" field '{.metadata.resourceVersion}'

  expect_error "$version second manager conflicts" \
    'Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas' \
    k apply --server-side --field-manager=other -f "$TMP/other.yaml"
  expect "$version conflict changed nothing" "2" field '{.spec.replicas}'
  check "$version --force-conflicts takes the field" \
    k apply --server-side --field-manager=other --force-conflicts -f "$TMP/other.yaml"
  expect "$version forced value" "3" field '{.spec.replicas}'
  expect "$version other owns replicas" '{"f:replicas":{}}' \
    k -n "$ns" get deploy web -o jsonpath='{.metadata.managedFields[?(@.manager=="other")].fieldsV1.f:spec}'

  check "$version apply without replicas, label and env" k apply --server-side -f "$TMP/v2.yaml"
  expect "$version dropped label removed" "" field '{.metadata.labels.tier}'
  expect "$version dropped env removed" "" field '{.spec.template.spec.containers[0].env}'
  expect "$version replicas kept (owned by other)" "3" field '{.spec.replicas}'
  expect "$version other fields kept" "web nginx:1.25" field '{.metadata.labels.app} {.spec.template.spec.containers[0].image}'

  check "$version kubectl scale" k -n "$ns" scale deploy web --replicas=5
  contains "$version scale recorded with subresource" "$(managers deploy/web)" "/Update/scale"
  expect_error "$version re-apply after scale conflicts with the scaler" \
    'with subresource "scale" using apps/v1: .spec.replicas' \
    k apply --server-side --field-manager=other -f "$TMP/other.yaml"
  expect "$version scaled value kept" "5" field '{.spec.replicas}'

  rv=$(field '{.metadata.resourceVersion}')
  out=$(k apply --server-side --dry-run=server -f "$TMP/v1.yaml" --force-conflicts -o jsonpath='{.metadata.labels.tier} {.spec.replicas}' 2>&1)
  expect "$version apply --dry-run=server answers the result" "front 2" echo "$out"
  expect "$version apply --dry-run=server stores nothing" "$rv " field '{.metadata.resourceVersion} {.metadata.labels.tier}'
  out=$(k apply --server-side --dry-run=server -f - 2>&1 <<YAML
apiVersion: v1
kind: ConfigMap
metadata: {name: dry, namespace: $ns}
data: {a: "1"}
YAML
)
  contains "$version dry-run apply of a new object" "$out" "serverside-applied (server dry run)"
  expect_error "$version dry-run apply created nothing" "NotFound" k -n "$ns" get configmap dry

  # Client-side apply, then server-side apply: kubectl's field manager takes over.
  sed -e 's/name: web/name: csa/' "$TMP/v1.yaml" >"$TMP/csa.yaml"
  check "$version client-side apply" k apply -f "$TMP/csa.yaml"
  contains "$version client-side apply manager" "$(managers deploy/csa)" "kubectl-client-side-apply/Update/"
  sed -i -e 's/replicas: 2/replicas: 4/' "$TMP/csa.yaml"
  check "$version server-side apply after client-side apply" k apply --server-side -f "$TMP/csa.yaml"
  expect "$version upgraded replicas" "4" k -n "$ns" get deploy csa -o jsonpath='{.spec.replicas}'
  out=$(managers deploy/csa)
  contains "$version ownership moved to kubectl" "$out" "kubectl/Apply/ "
  if [[ $out != *client-side* ]]; then pass "$version client-side apply manager gone"; else fail "$version client-side apply manager gone" "$out"; fi
  contains "$version last-applied annotation kept in step" \
    "$(k -n "$ns" get deploy csa -o jsonpath='{.metadata.annotations.kubectl\.kubernetes\.io/last-applied-configuration}')" '"replicas":4'

  # Managers of ordinary writes come from kubectl's field managers.
  check "$version create configmap" k -n "$ns" create configmap plain --from-literal=a=1
  expect "$version create manager" "kubectl-create/Update/ " managers configmap/plain
  check "$version label" k -n "$ns" label configmap plain x=y
  expect "$version label manager" "kubectl-create/Update/ kubectl-label/Update/ " managers configmap/plain
  expect "$version label manager owns the label" '{"f:labels":{".":{},"f:x":{}}}' \
    k -n "$ns" get configmap plain -o jsonpath='{.metadata.managedFields[?(@.manager=="kubectl-label")].fieldsV1.f:metadata}'

  # dryRun=All on every mutating verb: nothing stored, the answer as if stored.
  out=$(k -n "$ns" create configmap drycm --from-literal=a=1 --dry-run=server -o jsonpath='{.metadata.uid}/{.metadata.creationTimestamp}/{.metadata.resourceVersion}')
  if [[ $out =~ ^[0-9a-f-]{36}/[0-9T:Z-]+/$ ]]; then pass "$version dry-run create fills uid and time"; else fail "$version dry-run create fills uid and time" "$out"; fi
  expect_error "$version dry-run create stores nothing" "NotFound" k -n "$ns" get configmap drycm
  rv=$(k -n "$ns" get configmap plain -o jsonpath='{.metadata.resourceVersion}')
  cm() { k -n "$ns" get configmap plain -o jsonpath='{.metadata.resourceVersion} {.data.a} {.metadata.labels.x}'; }
  expect "$version dry-run patch answers the result" "2" \
    k -n "$ns" patch configmap plain -p '{"data":{"a":"2"}}' --dry-run=server -o jsonpath='{.data.a}'
  check "$version dry-run json patch" k -n "$ns" patch configmap plain --type=json -p '[{"op":"replace","path":"/data/a","value":"3"}]' --dry-run=server
  check "$version dry-run label" k -n "$ns" label configmap plain x=z --overwrite --dry-run=server
  k -n "$ns" get configmap plain -o json | sed 's/"a": "1"/"a": "9"/' >"$TMP/replace.json"
  check "$version dry-run replace" k replace -f "$TMP/replace.json" --dry-run=server
  check "$version dry-run scale" k -n "$ns" scale deploy web --replicas=7 --dry-run=server
  check "$version dry-run delete" k -n "$ns" delete configmap plain --dry-run=server
  check "$version dry-run deletecollection" k -n "$ns" delete configmap --all --dry-run=server
  expect "$version dry-runs left the configmap alone" "$rv 1 y" cm
  expect "$version dry-run scale left replicas" "5" field '{.spec.replicas}'
  # A dry-run NodePort service keeps no port: the real create can take the same one.
  svc() {
    k -n "$ns" create service nodeport "$1" --tcp=80:80 --node-port="30${version/./}" "${@:2}"
  }
  check "$version dry-run NodePort service" svc dryport --dry-run=server
  check "$version the port is still free" svc realport
done

# The Python client: server_side_apply through the dynamic client, and a raw apply patch.
out=$(/usr/bin/python3 - <<'PY' 2>&1
import json
from kubernetes import client, config, dynamic
from kubernetes.client.rest import ApiException
config.load_kube_config()
api = client.ApiClient()
dyn = dynamic.DynamicClient(api)
cms = dyn.resources.get(api_version="v1", kind="ConfigMap")
body = {"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "py", "namespace": "default"}, "data": {"a": "1"}}
# This client version sends apply bodies only as text (JSON is YAML).
obj = cms.server_side_apply(body=json.dumps(body), name="py", namespace="default", field_manager="py")
print("applied", obj.data.a, obj.metadata.managedFields[0].manager, obj.metadata.managedFields[0].operation)
body["data"] = {"a": "2"}
try:
    cms.server_side_apply(body=json.dumps(body), name="py", namespace="default", field_manager="py2")
except ApiException as e:
    d = json.loads(e.body)
    print("conflict", e.status, d["details"]["causes"][0]["reason"], d["details"]["causes"][0]["field"])
try:
    api.call_api("/api/v1/namespaces/default/configmaps/py", "PATCH",
                 header_params={"Content-Type": "application/apply-patch+yaml", "Accept": "application/json"},
                 body=json.dumps(body), _preload_content=False)
except ApiException as e:
    print("nomanager", e.status, json.loads(e.body)["message"])
PY
)
contains "python server_side_apply" "$out" "applied 1 py Apply"
contains "python conflict" "$out" "conflict 409 FieldManagerConflict .data.a"
contains "python apply without fieldManager" "$out" \
  'nomanager 422 PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch'

finish
