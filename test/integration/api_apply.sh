#!/usr/bin/env bash
# Strategic merge patches as kubectl uses them: client-side apply (change, remove a
# container), patch, set image, edit (EDITOR script), diff, apply --prune. kubectl 1.27 and
# 1.33.
# Ends with "N passed, N failed".
set -uo pipefail
source "$(dirname "$0")/lib/common.sh"

require_server

for version in 1.27 1.33; do
  use_kubectl "$version" || continue
  ns="apply${version/./}"
  k create namespace "$ns" >/dev/null
  images() { k -n "$ns" get deploy app -o jsonpath='{range .spec.template.spec.containers[*]}{.name}={.image} {end}'; }

  cat >"$TMP/v1.yaml" <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: app, namespace: $ns}
spec:
  replicas: 2
  selector: {matchLabels: {app: app}}
  template:
    metadata: {labels: {app: app}}
    spec:
      containers:
      - {name: web, image: "nginx:1", env: [{name: A, value: "1"}]}
      - {name: side, image: "busybox:1", command: [sleep, "1000"]}
YAML
  sed -e 's/nginx:1/nginx:2/' -e '/name: side/d' "$TMP/v1.yaml" >"$TMP/v2.yaml"
  check "$version apply creates" k apply -f "$TMP/v1.yaml"
  out=$(k diff -f "$TMP/v2.yaml" 2>&1)
  contains "$version diff shows the image change" "$out" "+        image: nginx:2"
  contains "$version diff shows the removed container" "$out" "-        name: side"
  check "$version apply changes and removes a container" k apply -f "$TMP/v2.yaml"
  contains "$version apply result" "$(images)" "web=nginx:2 "
  if [[ $(images) != *side* ]]; then pass "$version removed container gone"; else fail "$version removed container gone" "$(images)"; fi

  check "$version apply restores" k apply -f "$TMP/v1.yaml"
  check "$version set image" k -n "$ns" set image deploy/app side=busybox:2
  contains "$version set image keeps the other container" "$(images)" "web=nginx:1 side=busybox:2"
  check "$version patch (strategic)" k -n "$ns" patch deploy app -p \
    '{"spec":{"template":{"spec":{"containers":[{"name":"web","env":[{"name":"B","value":"2"}]}]}}}}'
  out=$(k -n "$ns" get deploy app -o jsonpath='{.spec.template.spec.containers[0].env[*].name} {.spec.template.spec.containers[1].command}')
  contains "$version patch merges env by name, keeps command" "$out" 'A B ["sleep","1000"]'
  check "$version patch --type merge" k -n "$ns" patch deploy app --type merge -p '{"metadata":{"labels":{"m":"1"}}}'
  check "$version patch --type json" k -n "$ns" patch deploy app --type json -p '[{"op":"replace","path":"/spec/replicas","value":3}]'
  out=$(k -n "$ns" get deploy app -o jsonpath='{.metadata.labels.m}/{.spec.replicas}')
  contains "$version merge and json patches applied" "$out" "1/3"
  out=$(k -n "$ns" patch deploy app -p '{"spec":{"template":{"spec":{"containers":[{"image":"x"}]}}}}' 2>&1)
  contains "$version patch without merge key refused" "$out" "does not contain declared merge key: name"

  # kubectl edit with a scripted editor: change the replicas.
  printf '#!/bin/sh\nsed -i "s/replicas: 3/replicas: 5/" "$1"\n' >"$TMP/editor.sh"
  chmod +x "$TMP/editor.sh"
  check "$version edit" env EDITOR="$TMP/editor.sh" "$K" -n "$ns" edit deploy app
  out=$(k -n "$ns" get deploy app -o jsonpath='{.spec.replicas}')
  contains "$version edit applied" "$out" "5"
  # OpenAPI v3: explain walks the schema; warn validation sees the server's support.
  out=$(k explain pod.spec.containers.resources 2>&1)
  contains "$version explain nested field" "$out" "FIELD: resources <ResourceRequirements>"
  contains "$version explain lists subfields" "$out" "limits"
  out=$(k explain deployment.spec.template.spec.containers.ports 2>&1)
  contains "$version explain through references" "$out" "containerPort"
  out=$(k -n "$ns" apply -f "$TMP/v1.yaml" --validate=warn 2>&1)
  if [[ $out != *"server-side field validation is unsupported"* ]]; then
    pass "$version server-side field validation detected"
  else
    fail "$version server-side field validation detected" "$out"
  fi

  # diff of an object made by create (no last-applied annotation): kubectl patches in an
  # empty annotations map, which typed decoding drops; no difference, exit status 0.
  cat >"$TMP/created$version.yaml" <<YAML
apiVersion: v1
kind: ConfigMap
metadata: {name: created, namespace: $ns}
data: {k: v}
YAML
  check "$version create for diff" k create -f "$TMP/created$version.yaml"
  check "$version diff of an unchanged created object finds nothing" k diff -f "$TMP/created$version.yaml"
  check "$version diff after apply finds nothing" k diff -f "$TMP/v1.yaml"

  # Secret data: base64 wrapped over lines is stored canonical (as Go decodes and
  # re-encodes it); data that is not base64 is refused as upstream words it.
  cat >"$TMP/secrets$version.yaml" <<YAML
apiVersion: v1
kind: Secret
metadata: {name: wrapped, namespace: $ns}
data:
  k: |
    YWJj
    ZGVm
---
apiVersion: v1
kind: Secret
metadata: {name: broken, namespace: $ns}
data: {k: "not base64"}
YAML
  out=$(k apply -f "$TMP/secrets$version.yaml" 2>&1)
  contains "$version secret with data that is not base64 is refused" "$out" \
    'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 3'
  out=$(k -n "$ns" get secret wrapped -o 'jsonpath={.data.k}' 2>&1)
  contains "$version wrapped base64 is stored canonical" "$out" "YWJjZGVm"

  # --prune: objects with the label that the applied files no longer name are deleted.
  mkdir -p "$TMP/prune$version"
  for name in keep drop; do
    cat >"$TMP/prune$version/$name.yaml" <<YAML
apiVersion: v1
kind: ConfigMap
metadata: {name: $name, namespace: $ns, labels: {set: pruned}}
data: {k: v}
YAML
  done
  check "$version apply a labelled set" k apply -f "$TMP/prune$version"
  rm "$TMP/prune$version/drop.yaml"
  out=$(k apply --prune -l set=pruned -f "$TMP/prune$version" 2>&1)
  contains "$version apply --prune reports the pruned object" "$out" "configmap/drop pruned"
  expect_error "$version pruned object is gone" "NotFound" k -n "$ns" get configmap drop
  check "$version kept object remains" k -n "$ns" get configmap keep
  k delete namespace "$ns" --wait=false >/dev/null
done

finish
