#!/usr/bin/env bash
# Static pods: manifests in <data-dir>/agent/pod-manifests run on the node and are mirrored
# to the API (annotation kubernetes.io/config.mirror, owned by the Node); deleting the mirror
# pod through the API does not stop the pod and the mirror comes back; editing the file
# replaces the pod; removing it stops the pod and deletes the mirror; a broken file is
# reported and changes nothing else. kubectl 1.33. Ends with "N passed, N failed".
set -uo pipefail
source "$(dirname "$0")/lib/common.sh"

NODE=static-test
MANIFESTS=$TMP/data/agent/pod-manifests
manifest() {  # manifest FILE POD MESSAGE: a pod printing MESSAGE, then sleeping
  cat >"$MANIFESTS/$1.tmp" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $2, labels: {app: $2}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: main, image: busybox:fixture, command: ["sh", "-c", "echo $3; exec busybox sleep 3600"]}
YAML
  mv "$MANIFESTS/$1.tmp" "$MANIFESTS/$1"  # whole at once (a half-written file is an error)
}
mkdir -p "$MANIFESTS"
manifest web.yaml web first
start_node --node-name "$NODE" --node-ip 127.0.0.1

wait_for "a manifest from before the start runs" 30 phase_is "web-$NODE" Running
mirror_of() { k get pod "$1" -o jsonpath='{.metadata.annotations.kubernetes\.io/config\.mirror}' 2>/dev/null; }
HASH=$(mirror_of "web-$NODE")
if [[ $HASH =~ ^[0-9a-f]{32}$ ]]; then pass "the API has its mirror pod"; else fail "the API has its mirror pod" "$(k get pod "web-$NODE" -o yaml 2>&1 | head -30)"; fi
expect "the mirror is owned by the node" "Node/$NODE" k get pod "web-$NODE" -o jsonpath='{.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name}'
expect "config source is file" "file" k get pod "web-$NODE" -o jsonpath='{.metadata.annotations.kubernetes\.io/config\.source}'
expect "static pods tolerate NoExecute taints" "Exists/NoExecute" k get pod "web-$NODE" -o jsonpath='{.spec.tolerations[-1:].operator}/{.spec.tolerations[-1:].effect}'
logs_say() { [[ $(k logs "$1" 2>/dev/null) == *"$2"* ]]; }
wait_for "kubectl logs reads the static pod" 10 logs_say "web-$NODE" first
id_of() { k get pod "$1" -o jsonpath='{.status.containerStatuses[0].containerID}' 2>/dev/null; }
uid_of() { k get pod "$1" -o jsonpath='{.metadata.uid}' 2>/dev/null; }
ID=$(id_of "web-$NODE")
check "its container's shim is found by the container id" pgrep -f "sampan shim .*${ID#*://}"

# Deleting the mirror pod: kubectl sees it go (its wait lists and watches the name, so the new
# mirror must not come before that list), a new mirror comes, the container keeps running.
# Three rounds: a mirror made again at once made kubectl's wait hang in some of them.
mirror_other_than() { local u; u=$(uid_of "web-$NODE"); [[ -n $u && $u != "$1" ]]; }
for round in 1 2 3; do
  wait_until 20 phase_is "web-$NODE" Running
  before=$(uid_of "web-$NODE")
  check "kubectl delete of the mirror pod returns (round $round)" k delete pod "web-$NODE" --timeout=20s
  wait_for "the mirror pod comes back (round $round)" 20 mirror_other_than "$before"
done
same_container() { [[ $(id_of "web-$NODE") == "$ID" ]] && phase_is "web-$NODE" Running; }
wait_for "the pod kept running: same container" 20 same_container
expect "and never restarted" "0" k get pod "web-$NODE" -o jsonpath='{.status.containerStatuses[0].restartCount}'

# A manifest added while the node runs.
manifest db.yaml db one
wait_for "a new manifest starts a pod" 30 phase_is "db-$NODE" Running

# Editing a manifest replaces the pod.
manifest web.yaml web second
replaced() { local h; h=$(mirror_of "web-$NODE"); [[ -n $h && $h != "$HASH" ]] && phase_is "web-$NODE" Running; }
wait_for "an edited manifest replaces the pod" 30 replaced
wait_for "the replacement runs the new manifest" 10 logs_say "web-$NODE" second
old_gone() { ! pgrep -f "sampan shim .*${ID#*://}" >/dev/null; }
wait_for "the old container is stopped" 20 old_gone

# A broken manifest is reported and touches nothing else.
printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: broken}\nspec: {containers: []}\n' >"$MANIFESTS/broken.yaml"
printf '{not yaml: [' >"$MANIFESTS/garbage.yaml"
reported() { grep -q "broken.yaml: spec.containers: Required value" "$TMP/server.log" && grep -q "garbage.yaml" "$TMP/server.log"; }
wait_for "broken manifests are reported" 10 reported
expect "other static pods are left alone" "Running Running" k get pod "db-$NODE" "web-$NODE" -o jsonpath='{.items[*].status.phase}'
expect_error "no pod for a broken manifest" "NotFound" k get pod "broken-$NODE"
touch "$MANIFESTS/.hidden.yaml"

# Removing a manifest stops the pod and deletes its mirror.
DB_ID=$(id_of "db-$NODE")
rm "$MANIFESTS/db.yaml"
db_gone() { ! k get pod "db-$NODE" >/dev/null 2>&1 && ! pgrep -f "sampan shim .*${DB_ID#*://}" >/dev/null; }
wait_for "a removed manifest stops the pod and deletes the mirror" 30 db_gone

# A restart of the server keeps the static pod's container and mirror.
WEB_ID=$(id_of "web-$NODE")
WEB_MIRROR=$(uid_of "web-$NODE")
kill -KILL "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null
WITH_AGENT=1 require_server --node-name "$NODE" --node-ip 127.0.0.1
adopted() { [[ $(id_of "web-$NODE") == "$WEB_ID" && $(uid_of "web-$NODE") == "$WEB_MIRROR" ]] && phase_is "web-$NODE" Running; }
wait_for "after a restart: same container, same mirror" 30 adopted

rm -f "$MANIFESTS"/*.yaml
wait_until 30 no_shims && pass "no shims left" || fail "no shims left" "$(pgrep -af "sampan shim .*$TMP/")"
finish
