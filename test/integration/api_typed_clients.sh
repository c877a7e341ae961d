#!/usr/bin/env bash
# kubectl's typed commands (create namespace/configmap/secret/deployment/..., run, expose)
# send protobuf bodies; and server-side field validation (Strict/Warn) on unknown fields.
# kubectl 1.27 and 1.33. Ends with "N passed, N failed".
set -uo pipefail
source "$(dirname "$0")/lib/common.sh"

require_server

for version in 1.27 1.33; do
  use_kubectl "$version" || continue
  ns="typed${version/./}"

  check "$version create namespace" k create namespace "$ns"
  check "$version create configmap" k -n "$ns" create configmap cm --from-literal=a=b
  check "$version create secret" k -n "$ns" create secret generic s --from-literal=p=q
  check "$version create deployment" k -n "$ns" create deployment web --image=nginx:1.25 --replicas=3 --port=80
  check "$version run" k -n "$ns" run one --image=busybox -- sleep 100
  check "$version expose" k -n "$ns" expose deployment web --port 8080 --target-port 80
  check "$version create job" k -n "$ns" create job j --image=busybox -- echo hi
  check "$version create cronjob" k -n "$ns" create cronjob c --image=busybox --schedule="*/5 * * * *"
  check "$version create role" k -n "$ns" create role r --verb=get --resource=pods
  check "$version create rolebinding" k -n "$ns" create rolebinding rb --role=r --user=bob
  check "$version create serviceaccount" k -n "$ns" create serviceaccount robot
  check "$version create quota" k -n "$ns" create quota q --hard=pods=10
  check "$version create pdb" k -n "$ns" create pdb pdb --selector=app=web --min-available=1
  check "$version create ingress" k -n "$ns" create ingress ing --rule="foo.com/bar=web:8080"

  out=$(k -n "$ns" get cm cm -o jsonpath='{.data.a}')
  contains "$version configmap data decoded" "$out" "b"
  out=$(k -n "$ns" get secret s -o jsonpath='{.data.p}')
  contains "$version secret bytes decoded" "$out" "cQ=="
  out=$(k -n "$ns" get deploy web -o jsonpath='{.spec.replicas} {.spec.template.spec.containers[0].ports[0].containerPort} {.spec.strategy.type} {.spec.strategy.rollingUpdate.maxSurge}')
  contains "$version deployment decoded and defaulted" "$out" "3 80 RollingUpdate 25%"
  out=$(k -n "$ns" get pod one -o jsonpath='{.spec.containers[0].args}')
  contains "$version run args decoded" "$out" '["sleep","100"]'
  out=$(k -n "$ns" get svc web -o jsonpath='{.spec.ports[0].port}/{.spec.ports[0].targetPort} {.spec.selector.app}')
  contains "$version expose ports and selector" "$out" "8080/80 web"
  out=$(k -n "$ns" get rolebinding rb -o jsonpath='{.subjects[0].name} {.roleRef.name}')
  contains "$version rolebinding subjects" "$out" "bob r"
  out=$(k -n "$ns" get cm cm -o jsonpath='{.metadata.creationTimestamp}')
  if [[ $out =~ ^20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]T ]]; then pass "$version creationTimestamp set"; else fail "$version creationTimestamp set" "$out"; fi

  cat >"$TMP/unknown.yaml" <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: odd, namespace: $ns}
spec:
  bogus: 1
  selector: {matchLabels: {app: odd}}
  template:
    metadata: {labels: {app: odd}}
    spec:
      containers: [{name: c, image: busybox, extra: 2}]
YAML
  out=$(k create -f "$TMP/unknown.yaml" 2>&1)
  contains "$version strict rejects unknown field" "$out" 'strict decoding error: unknown field "spec.bogus"'
  contains "$version strict names list item path" "$out" 'unknown field "spec.template.spec.containers[0].extra"'
  out=$(k -n "$ns" get deploy odd 2>&1)
  contains "$version strict rejection stores nothing" "$out" "not found"
  out=$(k create -f "$TMP/unknown.yaml" --validate=warn 2>&1)
  contains "$version warn mode warns" "$out" 'Warning: unknown field "spec.bogus"'
  out=$(k -n "$ns" get deploy odd -o json 2>&1)
  if [[ $out == *'"name": "odd"'* && $out != *bogus* && $out != *extra* ]]; then
    pass "$version unknown fields dropped when not strict"
  else
    fail "$version unknown fields dropped when not strict" "$out"
  fi
  check "$version delete namespace" k delete ns "$ns" --wait=false
done

finish
