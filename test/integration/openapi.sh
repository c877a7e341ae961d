#!/usr/bin/env bash
# OpenAPI v2 and v3 from the one schema source: both documents validate structurally (every
# $ref resolves, every served kind has a schema with its group-version-kind, descriptions
# present), /openapi/v2 as gnostic protobuf with ETag/304, `kubectl explain` with kubectl
# 1.27 and 1.33 (v3 and --output=plaintext-openapiv2) printing our descriptions, a CRD's kind
# explained with its schema's descriptions, client-side validation and apply (strategic
# patch from OpenAPI) still working, and `sampan kubectl explain` printing what kubectl 1.33
# prints. Ends with "N passed, N failed".
set -uo pipefail
source "$(dirname "$0")/lib/common.sh"

require_server

TLS=$TMP/data/server/tls
api() { curl -sk --cert "$TLS/client-admin.crt" --key "$TLS/client-admin.key" "$@"; }
URL=https://127.0.0.1:$PORT

# --- documents -----------------------------------------------------------------------------
cat >"$TMP/check_docs.py" <<'PY'
import json, os, subprocess, sys

port, tls, mode = sys.argv[1], sys.argv[2], sys.argv[3]

def get(path, accept="application/json"):
    out = subprocess.run(["curl", "-sfk", "--cert", tls + "/client-admin.crt", "--key",
                          tls + "/client-admin.key", "-H", "Accept: " + accept,
                          "https://127.0.0.1:%s%s" % (port, path)],
                         capture_output=True, check=True).stdout
    return json.loads(out)

# Every listable resource the server serves (metrics.k8s.io is read from the nodes, not
# stored, and has no schema), by group-version.
served = {}
groups = [("", "v1")] + [(g["name"], v["version"]) for g in get("/apis")["groups"]
                         for v in g["versions"]]
for group, version in groups:
    if group == "metrics.k8s.io":
        continue
    gv = "/api/v1" if not group else "/apis/%s/%s" % (group, version)
    for r in get(gv)["resources"]:
        if "/" not in r["name"] and "list" in r["verbs"]:
            served.setdefault((group, version), set()).add(r["kind"])

problems = []

def refs(node, out):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str):  # (JSONSchemaProps has a "$ref" property)
                out.add(v)
            else:
                refs(v, out)
    elif isinstance(node, list):
        for v in node:
            refs(v, out)
    return out

def check_schemas(name, schemas, prefix, doc, kinds):
    for ref in refs(doc, set()):
        if not ref.startswith(prefix) or ref[len(prefix):] not in schemas:
            problems.append("%s: unresolved %s" % (name, ref))
    have = set()
    for s in schemas.values():
        for gvk in s.get("x-kubernetes-group-version-kind", []):
            have.add((gvk["group"], gvk["version"], gvk["kind"]))
    for gvk in kinds:
        if gvk not in have:
            problems.append("%s: no schema with gvk %s" % (name, gvk))

if mode == "v2":
    doc = get("/openapi/v2")
    if doc.get("swagger") != "2.0":
        problems.append("v2: swagger is %r" % doc.get("swagger"))
    defs = doc["definitions"]
    kinds = [(g, v, k) for (g, v), ks in served.items() for k in ks]
    check_schemas("v2", defs, "#/definitions/", doc, kinds)
    pod = defs["io.k8s.api.core.v1.Pod"]
    if not pod.get("description") or not pod["properties"]["spec"].get("description"):
        problems.append("v2: Pod without descriptions")
    containers = defs["io.k8s.api.core.v1.PodSpec"]["properties"]["containers"]
    if containers.get("x-kubernetes-patch-merge-key") != "name":
        problems.append("v2: containers without merge key")
    if "containers" not in defs["io.k8s.api.core.v1.PodSpec"].get("required", []):
        problems.append("v2: PodSpec.containers not required")
    patch = doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"]
    if "fieldValidation" not in [p["name"] for p in patch["parameters"]]:
        problems.append("v2: patch without fieldValidation")
else:
    index = get("/openapi/v3")["paths"]
    for (group, version), ks in served.items():
        path = "api/v1" if not group else "apis/%s/%s" % (group, version)
        if path not in index:
            problems.append("v3: %s not in the index" % path)
            continue
        doc = get(index[path]["serverRelativeURL"])
        schemas = doc["components"]["schemas"]
        check_schemas("v3 " + path, schemas, "#/components/schemas/", doc,
                      [(group, version, k) for k in ks])
    core = get(index["api/v1"]["serverRelativeURL"])["components"]["schemas"]
    spec = core["io.k8s.api.core.v1.Pod"]["properties"]["spec"]
    if not spec.get("description") or spec["allOf"][0]["$ref"] != \
            "#/components/schemas/io.k8s.api.core.v1.PodSpec":
        problems.append("v3: Pod.spec %s" % spec)

checked = sum(len(k) for k in served.values())
if checked < 30:  # 36 built-in listable kinds today
    problems.append("only %d kinds served" % checked)
for p in problems[:20]:
    print(p)
sys.exit(1 if problems else 0)
PY
check "v2 document: refs resolve, every served kind has a gvk definition" \
  /usr/bin/python3 "$TMP/check_docs.py" "$PORT" "$TLS" v2
check "v3 documents: refs resolve, every served kind has a gvk schema" \
  /usr/bin/python3 "$TMP/check_docs.py" "$PORT" "$TLS" v3

pb=application/com.github.proto-openapi.spec.v2@v1.0+protobuf
headers=$(api -D - -o "$TMP/v2.pb" -H "Accept: $pb" "$URL/openapi/v2")
contains "v2 protobuf content type (no '@', as upstream)" "$headers" \
  "Content-Type: application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
etag=$(sed -n 's/^ETag: *//Ip' <<<"$headers" | tr -d '\r')
if [[ $etag =~ ^\"[0-9A-F]{128}\"$ ]]; then pass "v2 ETag is a quoted SHA-512"; else fail "v2 ETag is a quoted SHA-512" "$etag"; fi
# Field 1 of the gnostic Document is the swagger version: 0a 03 "2.0".
if [[ $(head -c 5 "$TMP/v2.pb" | od -An -tx1 | tr -d ' \n') == 0a03322e30 ]]; then
  pass "v2 protobuf starts with swagger 2.0"
else
  fail "v2 protobuf starts with swagger 2.0" "$(head -c 16 "$TMP/v2.pb" | od -An -tx1)"
fi
expect "v2 If-None-Match with the ETag: 304" 304 \
  api -o /dev/null -w '%{http_code}' -H "Accept: $pb" -H "If-None-Match: $etag" "$URL/openapi/v2"
expect "v2 with an unknown Accept: 406" 406 \
  api -o /dev/null -w '%{http_code}' -H "Accept: text/csv" "$URL/openapi/v2"

# --- a CRD with descriptions ------------------------------------------------------------
use_kubectl 1.33 || { finish; exit 1; }
cat >"$TMP/crd.yaml" <<'YAML'
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gadgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: gadgets, singular: gadget, kind: Gadget}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        description: A gadget that blinks.
        properties:
          spec:
            type: object
            description: How the gadget should blink.
            required: [color]
            properties:
              color: {type: string, description: Color of the light., enum: [red, green]}
              rate: {type: integer, description: Blinks per minute.}
YAML
check "CRD created" k apply -f "$TMP/crd.yaml"
wait_until 20 k get gadgets >/dev/null 2>&1 && pass "CRD served" || fail "CRD served"
gadget_explained() { k explain gadget.spec 2>&1 | grep -q "How the gadget should blink."; }
wait_until 20 gadget_explained && pass "CRD kind in OpenAPI v3" || fail "CRD kind in OpenAPI v3"
check "v2 document still valid with the CRD" /usr/bin/python3 "$TMP/check_docs.py" "$PORT" "$TLS" v2

# --- kubectl explain ------------------------------------------------------------------------
for version in 1.27 1.33; do
  use_kubectl "$version" || continue
  out=$(k explain pod 2>&1)
  contains "$version explain pod: kind description" "$out" "A group of one or more containers"
  contains "$version explain pod: fields" "$out" "spec	<PodSpec>"
  out=$(k explain pod.spec.containers.resources 2>&1)
  contains "$version explain resources: field" "$out" "FIELD: resources <ResourceRequirements>"
  contains "$version explain resources: limits" "$out" "limits	<map[string]Quantity>"
  contains "$version explain resources: description" "$out" "The most of each resource the container may use."
  out=$(k explain deployment.spec.strategy 2>&1)
  contains "$version explain strategy" "$out" "How a deployment replaces its pods."
  contains "$version explain strategy: type" "$out" "Recreate (stop all old pods before starting new ones)"
  out=$(k explain deployment.spec.strategy --recursive 2>&1)
  contains "$version explain --recursive" "$out" "  rollingUpdate	<RollingUpdateDeployment>
    maxSurge	<IntOrString>
    maxUnavailable	<IntOrString>"
  out=$(k explain pod.spec.containers.resources --output=plaintext-openapiv2 2>&1)
  contains "$version explain -o plaintext-openapiv2 (protobuf v2)" "$out" "RESOURCE: resources <Object>"
  contains "$version explain -o plaintext-openapiv2: description" "$out" \
    "Compute resources a container asks for and may use at most."
  contains "$version explain -o plaintext-openapiv2: fields" "$out" "requests	<map[string]string>"
  out=$(k explain deployment.spec.strategy --recursive --output=plaintext-openapiv2 2>&1)
  contains "$version explain --recursive -o plaintext-openapiv2" "$out" "maxSurge	<string>"
  out=$(k explain gadget.spec 2>&1)
  contains "$version explain CRD kind" "$out" "color	<string> -required-"
  contains "$version explain CRD field description" "$out" "Blinks per minute."
  out=$(k explain gadget --output=plaintext-openapiv2 2>&1)
  contains "$version explain CRD kind from v2" "$out" "A gadget that blinks."
  out=$(k explain pod.spec.nope 2>&1)
  contains "$version explain a missing field" "$out" 'field "nope" does not exist'
done

# --- client-side validation and apply with kubectl's defaults ---------------------------
for version in 1.27 1.33; do
  use_kubectl "$version" || continue
  ns="oa${version/./}"
  check "$version create namespace" k create namespace "$ns"
  cat >"$TMP/good.yaml" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: good, namespace: $ns}
spec:
  containers:
  - name: c
    image: busybox
    ports: [{containerPort: 80, name: http}]
    resources: {limits: {cpu: 1, memory: 64Mi}, requests: {cpu: 250m}}
    livenessProbe: {httpGet: {path: /, port: http}, periodSeconds: 5}
---
apiVersion: v1
kind: Service
metadata: {name: good, namespace: $ns}
spec: {ports: [{port: 80, targetPort: 8080}], selector: {app: good}}
YAML
  check "$version create -f a good manifest (default validation)" k create -f "$TMP/good.yaml"
  sed 's/containerPort: 80,/containerPort: 80, bogus: 1,/' "$TMP/good.yaml" >"$TMP/bad.yaml"
  sed -i 's/name: good,/name: bad,/' "$TMP/bad.yaml"
  out=$(k create -f "$TMP/bad.yaml" 2>&1)
  contains "$version unknown field rejected" "$out" 'unknown field "spec.containers[0].ports[0].bogus"'
  cat >"$TMP/d1.yaml" <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: $ns}
spec:
  selector: {matchLabels: {app: web}}
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 25%}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: a, image: busybox}
      - {name: b, image: busybox}
YAML
  sed '/name: b,/d' "$TMP/d1.yaml" >"$TMP/d2.yaml"
  check "$version apply a Deployment" k apply -f "$TMP/d1.yaml"
  check "$version apply removing a container" k apply -f "$TMP/d2.yaml"
  expect "$version container removed (strategic patch)" "a" \
    k -n "$ns" get deploy web -o jsonpath='{.spec.template.spec.containers[*].name}'
done

# --- sampan kubectl explain = kubectl 1.33 ----------------------------------------------
use_kubectl 1.33 || { finish; exit 1; }
for args in "pod" "pod.spec.containers.resources" "deployment.spec.strategy" \
  "deployment.spec.strategy --recursive" "pod.spec --recursive" "svc.spec.ports" \
  "hpa --api-version=autoscaling/v1" "cronjob.spec.jobTemplate.spec.template.spec.containers.env" \
  "node.status" "gadget" "gadget.spec" "gadget --recursive" "pod.spec.nope" "nope"; do
  # shellcheck disable=SC2086
  k explain $args >"$TMP/kubectl.out" 2>&1
  echo "exit $?" >>"$TMP/kubectl.out"
  # shellcheck disable=SC2086
  "$BIN" kubectl explain $args >"$TMP/sampan.out" 2>&1
  echo "exit $?" >>"$TMP/sampan.out"
  if cmp -s "$TMP/kubectl.out" "$TMP/sampan.out"; then
    pass "sampan kubectl explain $args = kubectl 1.33"
  else
    fail "sampan kubectl explain $args = kubectl 1.33" "$(diff "$TMP/kubectl.out" "$TMP/sampan.out" | head -10)"
  fi
done

finish
