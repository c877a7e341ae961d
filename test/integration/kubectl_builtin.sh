#!/usr/bin/env bash
# `sampan kubectl`: the built-in client's verbs against a server, checked against what real
# kubectl 1.33 prints or stores for the same objects (tables, -o json/yaml/jsonpath/name,
# create/apply/label/annotate/patch/scale/delete/wait messages and effects, errors).
# Ends with "N passed, N failed".
set -uo pipefail
source "$(dirname "$0")/lib/common.sh"

require_server
use_kubectl 1.33 || { finish; exit 1; }
sk() { "$BIN" kubectl "$@"; }
same_json() {  # same_json NAME A B: two JSON documents are equal
  if /usr/bin/python3 -c 'import json,sys; sys.exit(0 if json.loads(sys.argv[1]) == json.loads(sys.argv[2]) else 1)' "$2" "$3" 2>/dev/null; then
    pass "$1"
  else
    fail "$1" "$(diff <(echo "$2") <(echo "$3") | head -20)"
  fi
}

contains "version names the server" "$(sk version 2>&1)" "Server Version: v1."
out=$(sk api-resources 2>&1)
contains "api-resources: deployments with their short name" "$out" "deployments"
contains "api-resources: columns" "$out" "NAME"
echo "$out" | grep -E "^deployments +deploy +apps/v1 +true +Deployment$" >/dev/null &&
  pass "api-resources row as kubectl prints it" || fail "api-resources row as kubectl prints it" "$out"

cat >"$TMP/app.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  labels: {app: web}
data:
  greeting: hello
  multi: |
    line one
    line two
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: main, image: "busybox:1.36", command: ["sleep", "3600"]}
YAML
out=$(sk create -f "$TMP/app.yaml" 2>&1)
contains "create -f: the configmap" "$out" "configmap/settings created"
contains "create -f: the deployment" "$out" "deployment.apps/web created"
expect_error "create again: AlreadyExists" "Error from server (AlreadyExists): configmaps \"settings\" already exists" sk create -f "$TMP/app.yaml"

# Tables: the same header as kubectl's.
ours=$(sk get deploy 2>&1 | head -1 | tr -s ' ')
theirs=$(k get deploy 2>&1 | head -1 | tr -s ' ')
[[ -n $ours && $ours == "$theirs" ]] && pass "get deploy: kubectl's header" || fail "get deploy: kubectl's header" "ours '$ours' theirs '$theirs'"
contains "get deploy: the row" "$(sk get deployments.apps 2>&1)" "web"
contains "get -o wide adds columns" "$(sk get deploy -o wide 2>&1 | head -1)" "SELECTOR"
contains "get -A shows namespaces" "$(sk get cm -A 2>&1 | head -1)" "NAMESPACE"
contains "get pods,cm prefixes kinds" "$(sk get deploy,cm 2>&1)" "configmap/settings"
contains "--show-labels" "$(sk get cm settings --show-labels 2>&1)" "app=web"
contains "-l selects" "$(sk get cm -l app=web -o name 2>&1)" "configmap/settings"
out=$(sk get cm -l app=nothing 2>&1)
contains "empty list message" "$out" "No resources found in default namespace."

# Objects: what kubectl prints.
same_json "-o json equals kubectl's" "$(sk get cm settings -o json 2>&1)" "$(k get cm settings -o json 2>&1)"
yaml_as_json=$(sk get cm settings -o yaml | /usr/bin/python3 -c 'import json,sys,yaml; print(json.dumps(yaml.safe_load(sys.stdin)))' 2>&1)
same_json "-o yaml reads back as kubectl's object" "$yaml_as_json" "$(k get cm settings -o json 2>&1)"
contains "-o yaml: multi-line strings as blocks" "$(sk get cm settings -o yaml 2>&1)" "multi: |"
expect "jsonpath like kubectl" "$(k get cm settings -o jsonpath='{.data.greeting}')" sk get cm settings -o jsonpath='{.data.greeting}'
expect "jsonpath range like kubectl" "$(k get cm -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}')" \
  sk get cm -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}'
expect "-o name" "deployment.apps/web" sk get deploy web -o name
expect_error "missing object" 'Error from server (NotFound): configmaps "nope" not found' sk get cm nope
expect_error "unknown type" 'the server doesn'"'"'t have a resource type "widgets"' sk get widgets

# Changes.
expect "label" "configmap/settings labeled" sk label cm settings tier=front
expect_error "label without --overwrite" "'tier' already has a value (front), and --overwrite is false" sk label cm settings tier=back
check "label --overwrite" sk label cm settings tier=back --overwrite
expect "the label is set" "back" k get cm settings -o jsonpath='{.metadata.labels.tier}'
check "label removal" sk label cm/settings tier-
expect "the label is gone" "" k get cm settings -o jsonpath='{.metadata.labels.tier}'
expect "annotate" "configmap/settings annotated" sk annotate cm settings note=hi
expect "patch --type merge" "configmap/settings patched" sk patch cm settings --type merge -p '{"data":{"greeting":"hey"}}'
expect "the patch is stored" "hey" k get cm settings -o jsonpath='{.data.greeting}'
expect "strategic patch of a deployment" "deployment.apps/web patched" sk patch deploy web -p '{"spec":{"template":{"spec":{"containers":[{"name":"main","image":"busybox:1.37"}]}}}}'
expect "the container was merged by name" "busybox:1.37 sleep" k get deploy web -o jsonpath='{.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].command[0]}'
expect "scale" "deployment.apps/web scaled" sk scale deploy web --replicas=3
expect "scaled to 3" "3" k get deploy web -o jsonpath='{.spec.replicas}'

# edit through $EDITOR (a script), rollout, autoscale.
printf '#!/bin/sh\nsed -i "s/greeting: hey/greeting: edited/" "$1"\n' >"$TMP/editor.sh"
chmod +x "$TMP/editor.sh"
expect "edit with \$EDITOR" "configmap/settings edited" env EDITOR="$TMP/editor.sh" "$BIN" kubectl edit cm settings
expect "the edit is stored" "edited" k get cm settings -o jsonpath='{.data.greeting}'
expect "edit without changes" "Edit cancelled, no changes made." env EDITOR=true "$BIN" kubectl edit cm settings
expect "rollout restart" "deployment.apps/web restarted" sk rollout restart deploy/web
contains "restartedAt annotation" "$(k get deploy web -o jsonpath='{.spec.template.metadata.annotations}')" "kubectl.kubernetes.io/restartedAt"
expect "rollout pause" "deployment.apps/web paused" sk rollout pause deploy web
expect "paused" "true" k get deploy web -o jsonpath='{.spec.paused}'
expect "rollout resume" "deployment.apps/web resumed" sk rollout resume deploy web
expect "autoscale" "horizontalpodautoscaler.autoscaling/web autoscaled" sk autoscale deploy web --min=1 --max=4 --cpu-percent=70
expect "the HPA targets the deployment" "Deployment/web 4" k get hpa web -o jsonpath='{.spec.scaleTargetRef.kind}/{.spec.scaleTargetRef.name} {.spec.maxReplicas}'

# rollout history and undo. No controller writes revisions here, so the test records them
# as the deployment and daemonset controllers would: ReplicaSets with revision annotations
# and ControllerRevisions, owned by their workloads.
mk_rollout_fixtures() {
  k apply -f - >/dev/null <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: hist, labels: {app: hist}}
spec:
  replicas: 1
  selector: {matchLabels: {app: hist}}
  template:
    metadata: {labels: {app: hist}}
    spec:
      containers:
      - {name: main, image: "busybox:1.3", command: ["sleep", "3600"]}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: dhist}
spec:
  selector: {matchLabels: {app: dhist}}
  template:
    metadata: {labels: {app: dhist}}
    spec:
      containers:
      - {name: main, image: "busybox:2"}
YAML
  local uid duid
  uid=$(k get deploy hist -o jsonpath='{.metadata.uid}')
  duid=$(k get ds dhist -o jsonpath='{.metadata.uid}')
  for rev in 1 2 3; do
    local cause=""
    [[ $rev == 2 ]] && cause="kubernetes.io/change-cause: \"set image to 1.2\""
    k apply -f - >/dev/null <<YAML
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: hist-rs$rev
  labels: {app: hist, pod-template-hash: rs$rev}
  annotations: {deployment.kubernetes.io/revision: "$rev", $cause}
  ownerReferences:
  - {apiVersion: apps/v1, kind: Deployment, name: hist, uid: "$uid", controller: true, blockOwnerDeletion: true}
spec:
  replicas: 0
  selector: {matchLabels: {app: hist, pod-template-hash: rs$rev}}
  template:
    metadata: {labels: {app: hist, pod-template-hash: rs$rev}}
    spec:
      containers:
      - {name: main, image: "busybox:1.$rev", command: ["sleep", "3600"]}
YAML
  done
  for rev in 1 2; do
    k apply -f - >/dev/null <<YAML
apiVersion: apps/v1
kind: ControllerRevision
metadata:
  name: dhist-r$rev
  labels: {app: dhist}
  ownerReferences:
  - {apiVersion: apps/v1, kind: DaemonSet, name: dhist, uid: "$duid", controller: true, blockOwnerDeletion: true}
revision: $rev
data:
  spec:
    template:
      \$patch: replace
      metadata: {labels: {app: dhist}}
      spec:
        containers:
        - {name: main, image: "busybox:$rev", imagePullPolicy: IfNotPresent, terminationMessagePath: /dev/termination-log, terminationMessagePolicy: File, resources: {}}
        restartPolicy: Always
        terminationGracePeriodSeconds: 30
        dnsPolicy: ClusterFirst
        securityContext: {}
        schedulerName: default-scheduler
        enableServiceLinks: true
YAML
  done
}
mk_rollout_fixtures
same_text() {  # same_text NAME ARGS...: ours and kubectl 1.33 print the same (both streams)
  local name=$1 ours theirs
  shift
  ours=$(sk "$@" 2>&1)
  theirs=$(k "$@" 2>&1)
  if [[ -n $ours && $ours == "$theirs" ]]; then pass "$name"; else fail "$name" "$(diff <(echo "$ours") <(echo "$theirs") | head -20)"; fi
}
same_text "rollout history: kubectl's table" rollout history deploy hist
contains "rollout history: the change cause" "$(sk rollout history deploy hist)" "2         set image to 1.2"
same_text "rollout history --revision: the pod template" rollout history deploy/hist --revision=2
same_text "rollout history of a missing revision" rollout history deploy/hist --revision=9
same_text "rollout history of a daemonset" rollout history ds dhist
same_text "rollout history --revision of a daemonset" rollout history ds dhist --revision 1
same_text "rollout history -o name lists the replica sets" rollout history deploy hist -o name
same_text "rollout history of a kind without revisions" rollout history cm kube-root-ca.crt
same_text "rollout undo of a kind without revisions" rollout undo cm kube-root-ca.crt
same_text "rollout undo --dry-run=client" rollout undo deploy hist --dry-run=client
same_text "rollout undo --dry-run=client of a daemonset" rollout undo ds dhist --dry-run=client
same_text "rollout undo to a missing revision" rollout undo deploy hist --to-revision=7
expect "rollout undo" "deployment.apps/hist rolled back" sk rollout undo deploy hist
expect "undo restored the previous revision's template" "busybox:1.2" k get deploy hist -o jsonpath='{.spec.template.spec.containers[0].image}'
expect "undo dropped the pod-template-hash label" "" k get deploy hist -o jsonpath='{.spec.template.metadata.labels.pod-template-hash}'
expect "undo took the revision's change cause" "set image to 1.2" k get deploy hist -o jsonpath='{.metadata.annotations.kubernetes\.io/change-cause}'
ours=$(k get deploy hist -o json)
expect "undo to the current revision is skipped" "deployment.apps/hist skipped rollback (current template already matches revision 2)" sk rollout undo deploy hist --to-revision=2
check "kubectl 1.33 goes back to revision 3" k rollout undo deploy hist --to-revision=3
check "and undoes that" k rollout undo deploy hist
same_json_spec() {  # the templates and annotations of two deployments, nulls aside
  /usr/bin/python3 -c '
import json, sys
def clean(v):
    if isinstance(v, dict): return {k: clean(x) for k, x in v.items() if x is not None}
    if isinstance(v, list): return [clean(x) for x in v]
    return v
a, b = (json.loads(x) for x in sys.argv[1:3])
sys.exit(0 if all(clean(a[f][g]) == clean(b[f][g]) for f, g in (("spec", "template"), ("metadata", "annotations"))) else 1)' "$1" "$2"
}
if same_json_spec "$ours" "$(k get deploy hist -o json)"; then pass "undo writes what kubectl 1.33's undo writes"; else fail "undo writes what kubectl 1.33's undo writes" "$ours"; fi
same_text "describe deployment: kubectl 1.33's layout, old and new replica sets" describe deploy hist
expect "rollout undo --to-revision of a daemonset" "daemonset.apps/dhist rolled back" sk rollout undo ds dhist --to-revision=1
expect "the daemonset's template is revision 1's" "busybox:1" k get ds dhist -o jsonpath='{.spec.template.spec.containers[0].image}'
expect "undo of a daemonset to its current revision is skipped" "daemonset.apps/dhist skipped rollback (current template already matches revision 1)" sk rollout undo ds dhist --to-revision=1
expect "rollout undo --dry-run=server changes nothing" "daemonset.apps/dhist rolled back (server dry run)" sk rollout undo ds dhist --to-revision=2 --dry-run=server
expect "the daemonset is unchanged" "busybox:1" k get ds dhist -o jsonpath='{.spec.template.spec.containers[0].image}'

# get --watch: the list, then the changes as they happen, printed as kubectl prints them.
# watcher NAME ARGS...: `sampan kubectl get ARGS` in the background, output in $TMP/NAME.
declare -A WATCHERS
watcher() {
  local name=$1
  shift
  "$BIN" kubectl -n watched get "$@" >"$TMP/$name" 2>&1 &
  WATCHERS[$name]=$!
}
has_line() { grep -qE "$2" "$TMP/$1"; }
ended() { ! kill -0 "$1" 2>/dev/null; }
k create namespace watched >/dev/null
root_ca_published() { k -n watched get cm kube-root-ca.crt >/dev/null 2>&1; }
wait_until 20 root_ca_published
k -n watched create cm w-one --from-literal=a=b >/dev/null
watcher w-table cm -w
watcher w-events cm -w --output-watch-events
watcher w-named cm w-one -w
watcher w-name cm -w -o name
watcher w-json cm -w -o json --output-watch-events
watcher w-selected cm -l watched=yes -w
# The initial list is out before the changes (the watch starts from its resourceVersion).
wait_until 20 has_line w-table '^w-one +1 +[0-9]+s$' && wait_until 20 has_line w-named '^w-one ' &&
  wait_until 20 has_line w-events '^ADDED +w-one ' && wait_until 20 has_line w-name '^configmap/w-one$' &&
  wait_until 20 has_line w-json '"type":"ADDED"'
k -n watched create cm w-two-longer --from-literal=a=b >/dev/null
k -n watched label cm w-one watched=yes >/dev/null
k -n watched delete cm w-two-longer >/dev/null
if wait_until 20 has_line w-events '^DELETED +w-two-longer '; then pass "get -w --output-watch-events: a deletion arrives"; else fail "get -w --output-watch-events: a deletion arrives" "$(cat "$TMP/w-events")"; fi
wait_until 20 has_line w-selected '^w-one ' && wait_until 20 bash -c "[[ \$(grep -c '^w-one ' '$TMP/w-named') -ge 2 ]]" && wait_until 20 bash -c "[[ \$(grep -c 'w-two-longer' '$TMP/w-table') -ge 2 ]]" &&
  wait_until 20 bash -c "[[ \$(grep -c 'configmap/w-two-longer' '$TMP/w-name') -ge 2 ]]" &&
  wait_until 20 has_line w-json '"type":"DELETED"'
kill -TERM "${WATCHERS[w-table]}"
wait "${WATCHERS[w-table]}"
rc=$?
[[ $rc == 1 ]] && pass "get -w ends on SIGTERM with kubectl's exit code" || fail "get -w ends on SIGTERM with kubectl's exit code" "rc $rc"
for w in "${!WATCHERS[@]}"; do kill "${WATCHERS[$w]}" 2>/dev/null; wait "${WATCHERS[$w]}" 2>/dev/null; done
# What kubectl 1.33 printed for the same events (ages aside; rows keep earlier widths).
want_table=$(printf 'NAME               DATA   AGE\nkube-root-ca.crt   1      X\nw-one              1      X\nw-two-longer       1      X\nw-one              1      X\nw-two-longer       1      X')
ages() { sed -E 's/[0-9]+s$/X/' "$TMP/$1"; }
expect "get -w: the list, then a row per event" "$want_table" ages w-table
expect "get -w --output-watch-events: the EVENT column" "$(printf 'EVENT      NAME               DATA   AGE\nADDED      kube-root-ca.crt   1      X\nADDED      w-one              1      X\nADDED      w-two-longer       1      X\nMODIFIED   w-one              1      X\nDELETED    w-two-longer       1      X')" ages w-events
expect "get NAME -w: that object only" "$(printf 'NAME    DATA   AGE\nw-one   1      X\nw-one   1      X')" ages w-named
expect "get -w -o name" "$(printf 'configmap/kube-root-ca.crt\nconfigmap/w-one\nconfigmap/w-two-longer\nconfigmap/w-one\nconfigmap/w-two-longer')" cat "$TMP/w-name"
expect "get -l -w: an object entering the selection" "$(printf 'NAME    DATA   AGE\nw-one   1      X')" ages w-selected
expect "get -w -o json --output-watch-events: one event per line" "ADDED ADDED ADDED MODIFIED DELETED" \
  /usr/bin/python3 -c 'import json,sys; print(" ".join(json.loads(l)["type"] for l in open(sys.argv[1]) if l.strip()))' "$TMP/w-json"
# --watch-only prints no list, so nothing shows when it is watching: changes are made until
# one shows up, then a create and a delete must follow it.
watcher w-only cm --watch-only
tick=0
ticked() { tick=$((tick + 1)); k -n watched label --overwrite cm w-one "tick=$tick" >/dev/null; has_line w-only '^w-one '; }
wait_until 20 ticked
k -n watched create cm w-three --from-literal=a=b >/dev/null
k -n watched delete cm w-three >/dev/null
two_threes() { [[ $(grep -c '^w-three ' "$TMP/w-only") == 2 ]]; }
if wait_until 20 two_threes && [[ $(head -1 "$TMP/w-only") == "NAME    DATA   AGE" ]] && ! grep -q kube-root-ca "$TMP/w-only"; then
  pass "get --watch-only: the events only, no list"
else
  fail "get --watch-only: the events only, no list" "$(cat "$TMP/w-only")"
fi
kill "${WATCHERS[w-only]}" 2>/dev/null
wait "${WATCHERS[w-only]}" 2>/dev/null
start=$SECONDS
out=$(timeout 30 "$BIN" kubectl -n watched get cm w-one -w --request-timeout=2s 2>&1)
rc=$?
if [[ $rc == 0 && $((SECONDS - start)) -ge 1 && $out == *w-one* ]]; then pass "get -w --request-timeout ends the watch"; else fail "get -w --request-timeout ends the watch" "rc $rc: $out"; fi
expect_error "get -w of a missing object" 'Error from server (NotFound): configmaps "nope" not found' sk get cm nope -w
expect_error "get -w of two types" "error: you may only specify a single resource type" sk get cm,secrets -w
k delete namespace watched --wait=false >/dev/null

# apply: create, change, no change.
cat >"$TMP/extra.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata: {name: extra}
data: {a: "1"}
YAML
expect "apply creates" "configmap/extra created" sk apply -f "$TMP/extra.yaml"
sed -i 's/a: "1"/a: "2"/' "$TMP/extra.yaml"
expect "apply changes" "configmap/extra configured" sk apply -f "$TMP/extra.yaml"
expect "the change is stored" "2" k get cm extra -o jsonpath='{.data.a}'
expect "apply again changes nothing" "configmap/extra unchanged" sk apply -f "$TMP/extra.yaml"
expect "apply from stdin" "configmap/extra unchanged" sh -c "'$BIN' kubectl apply -f - < '$TMP/extra.yaml'"

# Namespaces and deletion.
check "create a namespace by manifest" sh -c "printf 'apiVersion: v1\nkind: Namespace\nmetadata: {name: other}\n' | '$BIN' kubectl create -f -"
check "create in -n other" sk -n other create -f "$TMP/extra.yaml"
contains "get -n other" "$(sk get cm -n other 2>&1)" "extra"
expect_error "a manifest's namespace must match -n" "does not match the namespace" \
  sh -c "sed 's/name: extra}/name: extra, namespace: default}/' '$TMP/extra.yaml' | '$BIN' kubectl -n other apply -f -"
expect "delete" 'configmap "extra" deleted' sk delete cm extra
expect_error "deleted is gone" 'Error from server (NotFound): configmaps "extra" not found' k get cm extra
expect "delete -f" 'configmap "settings" deleted' sh -c "'$BIN' kubectl delete -f '$TMP/app.yaml' | head -1"
check "delete -l" sk -n other delete cm -l nothing=here
expect "wait --for=delete of a gone object" "deployment.apps/web deleted" sk wait --for=delete deploy/web --timeout=20s
expect "wait --for=jsonpath" "namespace/other condition met" sk wait --for=jsonpath='{.status.phase}'=Active ns/other
expect_error "unknown verb" 'unknown command "frobnicate"' sk frobnicate
expect_error "unknown flag" "unknown flag: --bogus" sk get pods --bogus
finish
