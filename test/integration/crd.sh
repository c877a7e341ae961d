#!/usr/bin/env bash
# CustomResourceDefinitions end to end with kubectl 1.27 and 1.33 and the Python client:
# a CRD is established and served at once (discovery, short names, categories), custom
# objects are validated, defaulted and pruned by the CRD's schema, printer columns show in
# `kubectl get`, status and scale subresources work (`kubectl scale`), cluster-scoped CRDs
# work, a restart keeps serving, and deleting a CRD deletes its objects.
# Ends with "N passed, N failed".
set -uo pipefail
source "$(dirname "$0")/lib/common.sh"

require_server

# crd GROUP SUFFIX: a namespaced Widget (short name wdSUFFIX) with status and scale subresources and printer columns.
crd() {
  cat <<YAML
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.$1}
spec:
  group: $1
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd$2], categories: [all]}
  versions:
  - name: v1
    served: true
    storage: true
    selectableFields: [{jsonPath: .spec.size}, {jsonPath: .spec.replicas}]
    subresources:
      status: {}
      scale: {specReplicasPath: .spec.replicas, statusReplicasPath: .status.replicas, labelSelectorPath: .status.selector}
    additionalPrinterColumns:
    - {name: Replicas, type: integer, jsonPath: .spec.replicas}
    - {name: Size, type: string, jsonPath: .spec.size, description: The size}
    - {name: Ready, type: integer, jsonPath: .status.replicas}
    - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
    schema:
      openAPIV3Schema:
        type: object
        description: A Widget is a thing made in a factory.
        properties:
          spec:
            type: object
            description: What the widget should be.
            required: [size]
            properties:
              size: {type: string, enum: [small, large], description: How big the widget is.}
              replicas: {type: integer, minimum: 0, maximum: 10, default: 1}
              color: {type: string, default: blue, pattern: '^[a-z]+$'}
              extra: {type: object, x-kubernetes-preserve-unknown-fields: true}
          status:
            type: object
            properties:
              replicas: {type: integer}
              selector: {type: string}
YAML
}

gadget_crd() {
  cat <<YAML
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gadgets.$1}
spec:
  group: $1
  scope: Cluster
  names: {plural: gadgets, kind: Gadget}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
YAML
}

established() {
  [[ $(k get crd "$1" -o jsonpath='{.status.conditions[?(@.type=="Established")].status}') == True ]]
}
# api_path PATH: GET on the API as the test's admin.
api_path() { k get --raw "$1"; }

for version in 1.27 1.33; do
  use_kubectl "$version" || continue
  v=${version/./}
  group="v$v.example.com"
  ns="crd$v"
  k create namespace "$ns" >/dev/null

  # --- the CRD itself ---
  crd "$group" "$v" >"$TMP/crd.yaml"
  check "$version create CRD" k apply -f "$TMP/crd.yaml"
  if established "widgets.$group"; then pass "$version CRD established"; else fail "$version CRD established" "$(k get crd widgets.$group -o yaml 2>&1)"; fi
  expect "$version acceptedNames" "Widget widgets wd$v" \
    k get crd "widgets.$group" -o jsonpath='{.status.acceptedNames.kind} {.status.acceptedNames.plural} {.status.acceptedNames.shortNames[0]}'
  expect "$version storedVersions" "v1" k get crd "widgets.$group" -o jsonpath='{.status.storedVersions[*]}'
  expect "$version listKind defaulted" "WidgetList" k get crd "widgets.$group" -o jsonpath='{.spec.names.listKind}'
  contains "$version group discovery" "$(api_path /apis/$group/v1)" '"name":"widgets/scale"'
  contains "$version aggregated discovery" "$(api_path /apis)" "\"name\":\"$group\""
  contains "$version api-resources" "$(k api-resources --api-group="$group")" "wd$v"

  # CRD validation, as upstream words it.
  sed "s/name: widgets.$group/name: wrong.$group/" "$TMP/crd.yaml" >"$TMP/bad-name.yaml"
  expect_error "$version CRD name must be plural.group" \
    "metadata.name: Invalid value: \"wrong.$group\": must be spec.names.plural+\".\"+spec.group" \
    k create -f "$TMP/bad-name.yaml"
  sed 's/storage: true/storage: false/' "$TMP/crd.yaml" | sed "s/widgets/things/g" >"$TMP/no-storage.yaml"
  expect_error "$version CRD needs one storage version" "must have exactly one version marked as storage version" \
    k create -f "$TMP/no-storage.yaml"
  sed -e "s/widgets/plain/g" -e '/^    schema:/,$d' "$TMP/crd.yaml" >"$TMP/no-schema.yaml"
  expect_error "$version CRD v1 needs a schema" "spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required" \
    k create -f "$TMP/no-schema.yaml"
  sed -e "s/widgets/scopes/g" -e 's/scope: Namespaced/scope: Everywhere/' "$TMP/crd.yaml" >"$TMP/bad-scope.yaml"
  expect_error "$version CRD scope" 'spec.scope: Unsupported value: "Everywhere": supported values: "Cluster", "Namespaced"' \
    k create -f "$TMP/bad-scope.yaml"
  sed -e "s/widgets/selects/g" -e 's/jsonPath: .spec.replicas}]/jsonPath: .spec.extra}]/' \
    "$TMP/crd.yaml" >"$TMP/bad-selectable.yaml"
  expect_error "$version CRD selectable field must be a scalar" \
    'spec.versions[0].selectableFields[1].jsonPath: Invalid value: ".spec.extra": must point to a field of type string, boolean or integer' \
    k create -f "$TMP/bad-selectable.yaml"

  # --- custom objects ---
  cat >"$TMP/w1.yaml" <<YAML
apiVersion: $group/v1
kind: Widget
metadata: {name: w1, namespace: $ns, labels: {app: w}}
spec: {size: small, replicas: 2}
YAML
  check "$version create widget" k apply -f "$TMP/w1.yaml"
  out=$(sed 's/app: w}/app: w, again: "yes"}/' "$TMP/w1.yaml" | k apply -f - 2>&1)
  if [[ $out == *configured* && $out != *arning* ]]; then pass "$version apply again (merge patch, no warning)"; else fail "$version apply again (merge patch, no warning)" "$out"; fi
  out=$(k -n "$ns" get "widgets.$group")
  contains "$version get shows printer columns" "$out" "REPLICAS"
  if [[ $(echo "$out" | grep w1) =~ ^w1\ +2\ +small ]]; then pass "$version get shows the column values"; else fail "$version get shows the column values" "$out"; fi
  out=$(k -n "$ns" get "wd$v" w1 --no-headers)
  if [[ $out =~ ^w1\ +2\ +small\ +[0-9]+s$ ]]; then pass "$version short name, empty cell and age"; else fail "$version short name, empty cell and age" "$out"; fi
  contains "$version category all" "$(k -n "$ns" get all 2>&1)" "widget.$group/w1"
  contains "$version describe" "$(k -n "$ns" describe "widget.$group" w1)" "Size:"
  expect "$version defaults applied" "blue 2" k -n "$ns" get "widget.$group" w1 -o jsonpath='{.spec.color} {.spec.replicas}'

  # OpenAPI v3 of the CRD's group-version: kubectl explain shows the schema's descriptions.
  contains "$version explain kind" "$(k explain widgets --api-version="$group/v1" 2>&1)" "A Widget is a thing made in a factory."
  contains "$version explain field" "$(k explain widgets.spec.size --api-version="$group/v1" 2>&1)" "How big the widget is."
  contains "$version explain crd" "$(k explain crd.spec.names 2>&1)" "listKind"

  # Validation by the schema (fieldValidation as the client sends it).
  cat >"$TMP/bad.yaml" <<YAML
apiVersion: $group/v1
kind: Widget
metadata: {name: bad, namespace: $ns}
spec: {size: huge, replicas: "three"}
YAML
  out=$(k create -f "$TMP/bad.yaml" 2>&1)
  contains "$version type error" "$out" 'spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"'
  contains "$version enum error" "$out" 'spec.size: Unsupported value: "huge": supported values: "small", "large"'
  printf 'apiVersion: %s/v1\nkind: Widget\nmetadata: {name: bad, namespace: %s}\nspec: {replicas: 11}\n' "$group" "$ns" >"$TMP/bad2.yaml"
  out=$(k create -f "$TMP/bad2.yaml" 2>&1)
  contains "$version required error" "$out" "spec.size: Required value"
  contains "$version maximum error" "$out" "spec.replicas in body should be less than or equal to 10"
  expect_error "$version pattern error" "spec.color in body should match '^[a-z]+\$'" \
    k -n "$ns" patch "widget.$group" w1 --type=merge -p '{"spec":{"color":"Red"}}'

  # Pruning of unknown fields; Strict reports them.
  cat >"$TMP/w2.yaml" <<YAML
apiVersion: $group/v1
kind: Widget
metadata: {name: w2, namespace: $ns}
spec: {size: large, bogus: 1, extra: {kept: true}}
junk: yes
YAML
  check "$version create with unknown fields (Ignore)" k create --validate=false -f "$TMP/w2.yaml"
  # The CRD's selectableFields select lists; other fields are refused as upstream.
  expect "$version field selector on a selectable field" "widget.$group/w2" \
    k -n "$ns" get "widgets.$group" --field-selector spec.size=large -o name
  expect "$version field selector on an integer field" "widget.$group/w1" \
    k -n "$ns" get "widgets.$group" --field-selector spec.replicas=2 -o name
  expect_error "$version field selector on another field" "field label not supported: spec.color" \
    k -n "$ns" get "widgets.$group" --field-selector spec.color=blue
  expect "$version unknown fields pruned" "true " \
    k -n "$ns" get "widget.$group" w2 -o jsonpath='{.spec.extra.kept} {.spec.bogus}{.junk}'
  out=$(k -n "$ns" get "widget.$group" w2 -o json)
  if [[ $out != *bogus* && $out != *junk* && $out == *kept* ]]; then pass "$version pruned fields not stored"; else fail "$version pruned fields not stored" "$out"; fi
  sed 's/name: w2/name: w3/' "$TMP/w2.yaml" >"$TMP/w3.yaml"
  expect_error "$version Strict rejects unknown fields" 'unknown field "spec.bogus"' \
    k create --validate=strict -f "$TMP/w3.yaml"

  # Patches: merge and JSON patch work; strategic merge is refused as upstream.
  check "$version merge patch" k -n "$ns" patch "widget.$group" w1 --type=merge -p '{"spec":{"size":"large"}}'
  check "$version json patch" k -n "$ns" patch "widget.$group" w1 --type=json -p '[{"op":"replace","path":"/spec/replicas","value":3}]'
  expect "$version patched" "large 3" k -n "$ns" get "widget.$group" w1 -o jsonpath='{.spec.size} {.spec.replicas}'
  expect_error "$version strategic merge patch is 415" "application/merge-patch+json" \
    k -n "$ns" patch "widget.$group" w1 --type=strategic -p '{"spec":{"size":"small"}}'

  # Status subresource: the main resource ignores status, /status ignores spec.
  check "$version update ignores status" k -n "$ns" patch "widget.$group" w1 --type=merge -p '{"status":{"replicas":9}}'
  expect "$version status unchanged by main resource" "" k -n "$ns" get "widget.$group" w1 -o jsonpath='{.status.replicas}'
  check "$version status subresource" k -n "$ns" patch "widget.$group" w1 --subresource=status --type=merge \
    -p '{"status":{"replicas":3,"selector":"app=w"},"spec":{"size":"small"}}'
  expect "$version status written, spec kept" "3 large" k -n "$ns" get "widget.$group" w1 -o jsonpath='{.status.replicas} {.spec.size}'

  # Scale subresource.
  check "$version kubectl scale" k -n "$ns" scale "widget.$group" w1 --replicas=5
  expect "$version scaled" "5" k -n "$ns" get "widget.$group" w1 -o jsonpath='{.spec.replicas}'
  scale=$(api_path "/apis/$group/v1/namespaces/$ns/widgets/w1/scale")
  contains "$version scale object" "$scale" '"spec":{"replicas":5}'
  contains "$version scale status" "$scale" '"selector":"app=w"'

  # Watch sees custom objects.
  k -n "$ns" get "widgets.$group" --watch-only -o name >"$TMP/watch.out" 2>&1 &
  watch_pid=$!
  sleep_until_watching() { k -n "$ns" patch "widget.$group" w1 --type=merge -p "{\"metadata\":{\"labels\":{\"tick\":\"$RANDOM\"}}}" >/dev/null; grep -q "widget.$group/w1" "$TMP/watch.out"; }
  if wait_until 20 sleep_until_watching; then pass "$version watch"; else fail "$version watch" "$(cat "$TMP/watch.out")"; fi
  kill "$watch_pid" 2>/dev/null
  wait "$watch_pid" 2>/dev/null

  # Cluster-scoped CRD.
  gadget_crd "$group" >"$TMP/gadget.yaml"
  check "$version cluster-scoped CRD" k apply -f "$TMP/gadget.yaml"
  printf 'apiVersion: %s/v1\nkind: Gadget\nmetadata: {name: g1}\nanything: {goes: here}\n' "$group" >"$TMP/g1.yaml"
  check "$version create cluster-scoped object" k create -f "$TMP/g1.yaml"
  expect "$version preserved unknown fields" "here" k get "gadget.$group" g1 -o jsonpath='{.anything.goes}'
  contains "$version default columns" "$(k get "gadgets.$group")" "AGE"
done

# --- the Python client's CustomObjectsApi ---
out=$(/usr/bin/python3 - "v133.example.com" "crd133" <<'PY' 2>&1
import sys
from kubernetes import client, config
from kubernetes.client.rest import ApiException
group, ns = sys.argv[1], sys.argv[2]
config.load_kube_config()
api = client.CustomObjectsApi()
body = {"apiVersion": group + "/v1", "kind": "Widget", "metadata": {"name": "py"},
        "spec": {"size": "small"}}
created = api.create_namespaced_custom_object(group, "v1", ns, "widgets", body)
print("created", created["spec"]["replicas"], created["spec"]["color"])
got = api.get_namespaced_custom_object(group, "v1", ns, "widgets", "py")
print("got", got["metadata"]["name"])
items = api.list_namespaced_custom_object(group, "v1", ns, "widgets", label_selector="app=w")
print("listed", [i["metadata"]["name"] for i in items["items"]])
patched = api.patch_namespaced_custom_object(group, "v1", ns, "widgets", "py",
                                             {"spec": {"replicas": 4}})
print("patched", patched["spec"]["replicas"])
st = api.patch_namespaced_custom_object_status(group, "v1", ns, "widgets", "py",
                                               {"status": {"replicas": 4}})
print("status", st["status"]["replicas"])
sc = api.patch_namespaced_custom_object_scale(group, "v1", ns, "widgets", "py",
                                              {"spec": {"replicas": 6}})
print("scale", sc["spec"]["replicas"])
try:
    api.create_namespaced_custom_object(group, "v1", ns, "widgets",
        {"apiVersion": group + "/v1", "kind": "Widget", "metadata": {"name": "bad"},
         "spec": {"size": 1}})
    print("invalid accepted")
except ApiException as e:
    print("invalid", e.status)
api.delete_namespaced_custom_object(group, "v1", ns, "widgets", "py")
print("deleted")
g = api.list_cluster_custom_object(group, "v1", "gadgets")
print("gadgets", [i["metadata"]["name"] for i in g["items"]])
PY
)
contains "python create with defaults" "$out" "created 1 blue"
contains "python get" "$out" "got py"
contains "python list with selector" "$out" "listed ['w1']"
contains "python merge patch" "$out" "patched 4"
contains "python status patch" "$out" "status 4"
contains "python scale patch" "$out" "scale 6"
contains "python invalid object is 422" "$out" "invalid 422"
contains "python delete" "$out" "deleted"
contains "python cluster-scoped list" "$out" "gadgets ['g1']"

# --- several versions: conversion None, the preferred version, storedVersions ---
cat >"$TMP/multi.yaml" <<'YAML'
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: shapes.multi.example.com}
spec:
  group: multi.example.com
  scope: Namespaced
  names: {plural: shapes, kind: Shape}
  versions:
  - {name: v1beta1, served: true, storage: false, schema: {openAPIV3Schema: {type: object, properties: {spec: {type: object, properties: {sides: {type: integer}}}}}}}
  - {name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object, properties: {spec: {type: object, properties: {sides: {type: integer}, color: {type: string, default: red}}}}}}}
YAML
check "multi-version CRD" k apply -f "$TMP/multi.yaml"
contains "preferred version is v1" "$(k get --raw /apis/multi.example.com)" '"preferredVersion":{"groupVersion":"multi.example.com/v1"'
printf 'apiVersion: multi.example.com/v1beta1\nkind: Shape\nmetadata: {name: tri, namespace: crd133}\nspec: {sides: 3}\n' | k create -f - >/dev/null
expect "read through the other version" "multi.example.com/v1 3 red" \
  k -n crd133 get shapes.v1.multi.example.com tri -o jsonpath='{.apiVersion} {.spec.sides} {.spec.color}'
out=$(k get --raw /apis/multi.example.com/v1beta1/namespaces/crd133/shapes/tri)
contains "served as the version asked" "$out" '"apiVersion":"multi.example.com/v1beta1"'
sed -e 's/storage: false/storage: X/' -e 's/storage: true/storage: false/' -e 's/storage: X/storage: true/' "$TMP/multi.yaml" >"$TMP/multi2.yaml"
check "storage version changed" k apply -f "$TMP/multi2.yaml"
expect "storedVersions keep the old one" "v1 v1beta1" k get crd shapes.multi.example.com -o jsonpath='{.status.storedVersions[*]}'
check "delete multi-version CRD" k delete crd shapes.multi.example.com

# --- the garbage collector and namespace deletion know custom resources ---
W=widgets.v133.example.com
printf 'apiVersion: v133.example.com/v1\nkind: Widget\nmetadata: {name: owner, namespace: crd133}\nspec: {size: small}\n' | k create -f - >/dev/null
owner_uid=$(k -n crd133 get "$W" owner -o jsonpath='{.metadata.uid}')
cat <<YAML | k create -f - >/dev/null
apiVersion: v1
kind: ConfigMap
metadata:
  name: owned-by-widget
  namespace: crd133
  ownerReferences: [{apiVersion: v133.example.com/v1, kind: Widget, name: owner, uid: "$owner_uid"}]
YAML
k -n crd133 create configmap parent >/dev/null
parent_uid=$(k -n crd133 get configmap parent -o jsonpath='{.metadata.uid}')
cat <<YAML | k create -f - >/dev/null
apiVersion: v133.example.com/v1
kind: Widget
metadata:
  name: child
  namespace: crd133
  ownerReferences: [{apiVersion: v1, kind: ConfigMap, name: parent, uid: "$parent_uid"}]
spec: {size: large}
YAML
check "delete a custom owner" k -n crd133 delete "$W" owner
if wait_until 30 eval '! k -n crd133 get configmap owned-by-widget >/dev/null 2>&1'; then pass "gc: dependent of a custom object deleted"; else fail "gc: dependent of a custom object deleted" "$(k -n crd133 get cm owned-by-widget -o yaml 2>&1)"; fi
check "delete the owner of a custom object" k -n crd133 delete configmap parent
if wait_until 30 eval '! k -n crd133 get "$W" child >/dev/null 2>&1'; then pass "gc: custom dependent deleted"; else fail "gc: custom dependent deleted" "$(k -n crd133 get "$W" child -o yaml 2>&1)"; fi
k create namespace crdns >/dev/null
printf 'apiVersion: v133.example.com/v1\nkind: Widget\nmetadata: {name: inside, namespace: crdns}\nspec: {size: small}\n' | k create -f - >/dev/null
check "delete a namespace holding custom objects" k delete namespace crdns --wait=false
if wait_until 30 eval '! k get namespace crdns >/dev/null 2>&1'; then pass "namespace with custom objects gone"; else fail "namespace with custom objects gone" "$(k get ns crdns -o yaml 2>&1; k -n crdns get "$W" 2>&1)"; fi

# --- a restart keeps serving stored CRDs ---
use_kubectl 1.33
kill "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null
restart_server
expect "restart: objects served" "w1 w2" k -n crd133 get widgets.v133.example.com -o jsonpath='{.items[*].metadata.name}'
contains "restart: discovery" "$(k api-resources --api-group=v133.example.com)" "widgets"

# --- deleting a CRD deletes its objects ---
printf 'apiVersion: v133.example.com/v1\nkind: Widget\nmetadata: {name: held, namespace: crd133, finalizers: [example.com/hold]}\nspec: {size: small}\n' >"$TMP/held.yaml"
check "object with a finalizer" k create -f "$TMP/held.yaml"
check "delete CRD (no wait)" k delete crd widgets.v133.example.com --wait=false
expect "CRD terminating with cleanup finalizer" "customresourcecleanup.apiextensions.k8s.io" \
  k get crd widgets.v133.example.com -o jsonpath='{.metadata.finalizers[*]}'
only_held() { [[ $(k -n crd133 get widgets.v133.example.com -o name 2>/dev/null) == widget.v133.example.com/held ]]; }
if wait_until 20 only_held; then pass "objects without finalizers deleted"; else fail "objects without finalizers deleted" "$(k -n crd133 get widgets.v133.example.com 2>&1)"; fi
expect_error "no creates while terminating" "create not allowed while custom resource definition is terminating" \
  k create -f "$TMP/w1.yaml"
check "release the finalizer" k -n crd133 patch widgets.v133.example.com held --type=merge -p '{"metadata":{"finalizers":null}}'
crd_gone() { ! k get crd widgets.v133.example.com >/dev/null 2>&1; }
if wait_until 20 crd_gone; then pass "CRD gone"; else fail "CRD gone" "$(k get crd widgets.v133.example.com -o yaml 2>&1)"; fi
expect_error "resource gone from discovery" "NotFound" k get --raw /apis/v133.example.com/v1/namespaces/crd133/widgets
out=$(k api-resources --api-group=v133.example.com 2>&1)
if [[ $out != *widgets* && $out == *gadgets* ]]; then pass "api-resources updated"; else fail "api-resources updated" "$out"; fi
check "recreate CRD" k apply -f <(crd v133.example.com 133)
expect "recreated CRD starts empty" "" k -n crd133 get widgets.v133.example.com -o jsonpath='{.items[*].metadata.name}'

finish
