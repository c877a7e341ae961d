#!/usr/bin/env bash
# The API server driven by real kubectl 1.27 and 1.33: discovery, create/apply/replace,
# get (wide, json, yaml, selectors, -A), label/annotate/scale, watch, errors, services,
# namespaces. Ends with "N passed, N failed".
set -uo pipefail
source "$(dirname "$0")/lib/common.sh"

require_server

for version in 1.27 1.33; do
  use_kubectl "$version" || continue
  ns="t${version/./}"

  out=$(k version 2>&1)
  contains "$version version shows server" "$out" "v1.33.0+sampan"
  out=$(k api-resources 2>&1)
  contains "$version api-resources deployments" "$out" "deploy"
  contains "$version api-resources statefulsets" "$out" "sts"
  out=$(k api-versions 2>&1)
  contains "$version api-versions apps/v1" "$out" "apps/v1"
  contains "$version api-versions autoscaling/v2" "$out" "autoscaling/v2"

  cat >"$TMP/ns.yaml" <<YAML
apiVersion: v1
kind: Namespace
metadata: {name: $ns}
YAML
  check "$version create namespace" k create -f "$TMP/ns.yaml"
  cat >"$TMP/app.yaml" <<YAML
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
      - {name: web, image: "busybox:1.36", command: [sleep, "3600"]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: $ns}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg, namespace: $ns, labels: {app: web}}
data: {key: one}
YAML
  check "$version create -f" k create -f "$TMP/app.yaml"
  out=$(k create -f "$TMP/app.yaml" 2>&1)
  contains "$version create existing -> AlreadyExists" "$out" "already exists"

  out=$(k -n "$ns" get deploy,svc,cm -o wide 2>&1)
  contains "$version get wide deployment" "$out" "busybox:1.36"
  contains "$version get wide selector" "$out" "app=web"
  contains "$version get svc nodeport" "$out" "NodePort"
  port=$(k -n "$ns" get svc web -o jsonpath='{.spec.ports[0].nodePort}')
  if ((port >= 30000 && port <= 32767)); then pass "$version nodePort in range"; else fail "$version nodePort in range" "$port"; fi
  ip=$(k -n "$ns" get svc web -o jsonpath='{.spec.clusterIP}')
  contains "$version clusterIP from service CIDR" "$ip" "10.43."
  out=$(k -n "$ns" get deploy web -o json 2>&1)
  check "$version get -o json parses" /usr/bin/python3 -c "import json,sys; d=json.loads(sys.argv[1]); assert d['metadata']['resourceVersion'] and d['spec']['strategy']['rollingUpdate']['maxSurge']=='25%'" "$out"
  out=$(k -n "$ns" get cm cfg -o yaml 2>&1)
  contains "$version get -o yaml" "$out" "key: one"

  check "$version label" k -n "$ns" label cm cfg color=blue
  check "$version annotate" k -n "$ns" annotate cm cfg note=hello
  out=$(k -n "$ns" get cm -l 'color in (blue,red),app' --show-labels 2>&1)
  contains "$version set-based selector" "$out" "color=blue"
  out=$(k -n "$ns" get cm -l 'app,color notin (blue)' 2>&1)
  contains "$version notin selector excludes" "$out" "No resources found"
  out=$(k -n "$ns" get cm cfg -o jsonpath='{.metadata.annotations.note}')
  contains "$version annotation stored" "$out" "hello"

  check "$version scale" k -n "$ns" scale deploy web --replicas=4
  out=$(k -n "$ns" get deploy web -o jsonpath='{.spec.replicas}/{.metadata.generation}')
  contains "$version scale changed replicas and generation" "$out" "4/2"
  out=$(k -n "$ns" get deploy web --subresource=scale 2>&1)
  contains "$version get --subresource=scale prints the Scale's columns" "$out" "DESIRED   AVAILABLE"
  contains "$version get --subresource=scale shows the replicas" "$out" "web    4 "

  sed 's/key: one/key: two/' "$TMP/app.yaml" >"$TMP/app2.yaml"
  check "$version replace" k replace -f "$TMP/app2.yaml"
  out=$(k -n "$ns" get cm cfg -o jsonpath='{.data.key}')
  contains "$version replace stored" "$out" "two"

  # Watch: start, change things, look for the rows.
  k -n "$ns" get cm -w >"$TMP/watch.out" 2>&1 &
  wpid=$!
  wait_until 10 grep -q cfg "$TMP/watch.out"
  printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: watched, namespace: %s}\n' "$ns" | k apply -f - >/dev/null 2>&1
  if wait_until 10 grep -q watched "$TMP/watch.out"; then pass "$version get -w sees new object"; else fail "$version get -w sees new object" "$(cat "$TMP/watch.out")"; fi
  kill "$wpid" 2>/dev/null
  wait "$wpid" 2>/dev/null

  cat >"$TMP/bad.yaml" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: Bad_Name, namespace: $ns}
spec:
  containers: [{name: c}]
YAML
  out=$(k create -f "$TMP/bad.yaml" 2>&1)
  contains "$version invalid pod rejected" "$out" "is invalid"
  contains "$version invalid cause name" "$out" "metadata.name: Invalid value"
  contains "$version invalid cause image" "$out" "spec.containers[0].image: Required value"
  out=$(k -n "$ns" get pod nosuch 2>&1)
  contains "$version NotFound" "$out" 'pods "nosuch" not found'
  out=$(k -n "$ns" get pods 2>&1)
  contains "$version empty list" "$out" "No resources found"
  out=$(k get cm -A 2>&1)
  contains "$version -A shows namespace column" "$out" "$ns"

  check "$version delete" k -n "$ns" delete cm cfg
  out=$(k -n "$ns" get cm cfg 2>&1)
  contains "$version deleted is gone" "$out" "not found"
  check "$version delete namespace" k delete ns "$ns" --wait=true --timeout=30s
  out=$(k get deploy -A 2>&1)
  if [[ $out != *"$ns"* ]]; then pass "$version namespace contents deleted"; else fail "$version namespace contents deleted" "$out"; fi
done

# Health endpoints as upstream's: terse, verbose, one check, exclusion.
expect "readyz answers ok" "ok" k get --raw /readyz
out=$(k get --raw '/readyz?verbose' 2>&1)
contains "readyz?verbose lists the store check" "$out" "[+]etcd ok"
contains "readyz?verbose lists the shutdown check" "$out" "[+]shutdown ok"
contains "readyz?verbose ends passed" "$out" "readyz check passed"
expect "livez/etcd runs one check" "ok" k get --raw /livez/etcd
out=$(k get --raw '/livez?verbose&exclude=etcd' 2>&1)
contains "livez excludes a check" "$out" "[+]etcd excluded: ok"
expect_error "an unknown check is not found" "NotFound" k get --raw /livez/nope

# /metrics in Prometheus's text format, with upstream's names and labels; the loop above
# created ConfigMaps and deleted its namespaces.
out=$(k get --raw /metrics 2>&1)
contains "metrics count requests by upstream's labels" "$out" \
  'apiserver_request_total{code="201",component="apiserver",dry_run="",group="",resource="configmaps",scope="resource",subresource="",verb="POST",version="v1"} '
contains "metrics time requests" "$out" \
  'apiserver_request_duration_seconds_count{component="apiserver",dry_run="",group="",resource="namespaces",scope="resource",subresource="",verb="DELETE",version="v1"} 2'
contains "metrics count stored objects" "$out" 'apiserver_storage_objects{resource="namespaces"} '
contains "metrics show the process" "$out" "process_resident_memory_bytes "

# ComponentStatus (deprecated, still served): the store and the in-process components.
out=$(k get componentstatuses 2>&1)
contains "get cs warns of the deprecation" "$out" "v1 ComponentStatus is deprecated in v1.19+"
contains "get cs prints upstream's columns" "$out" "STATUS    MESSAGE   ERROR"
out=$(k get cs -o jsonpath='{range .items[*]}{.metadata.name}={.conditions[0].status} {end}' 2>/dev/null)
contains "get cs: every component healthy" "$out" "controller-manager=True etcd-0=True scheduler=True "
out=$(k explain componentstatus 2>&1)
contains "explain componentstatus" "$out" "KIND:       ComponentStatus"

# Integer parameters that are not integers: 400 as upstream, not a watch that runs for an hour.
expect_error "a watch with a malformed timeoutSeconds is refused" 'parsing "x": invalid syntax' \
  k get --raw '/api/v1/configmaps?watch=1&timeoutSeconds=x'

# Watch list (client-go informers with WatchListClient): the current state as ADDED events,
# then a bookmark marking their end, which the informer waits for.
out=$(k get --raw '/api/v1/namespaces/default/configmaps?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=1' 2>&1)
contains "watch list sends the initial state" "$out" '"type":"ADDED"'
contains "watch list ends it with the initial-events-end bookmark" "$(echo "$out" | tail -1)" \
  '"type":"BOOKMARK","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"resourceVersion":'
contains "the bookmark is annotated" "$out" '"annotations":{"k8s.io/initial-events-end":"true"}'
expect "sendInitialEvents=false starts from now" "" \
  k get --raw '/api/v1/namespaces/default/configmaps?watch=1&sendInitialEvents=false&resourceVersionMatch=NotOlderThan&timeoutSeconds=1'
expect_error "sendInitialEvents needs resourceVersionMatch=NotOlderThan" \
  "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan" \
  k get --raw '/api/v1/namespaces/default/configmaps?watch=1&sendInitialEvents=true&timeoutSeconds=1'

# Unauthenticated and wrongly authenticated requests.
code=$(curl -sk -o /dev/null -w '%{http_code}' "https://127.0.0.1:$PORT/api/v1/pods")
contains "anonymous gets 401" "$code" "401"
code=$(curl -sk -o /dev/null -w '%{http_code}' -H "Authorization: Bearer wrong" "https://127.0.0.1:$PORT/api/v1/pods")
contains "bad token gets 401" "$code" "401"

finish
