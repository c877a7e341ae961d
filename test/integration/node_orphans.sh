#!/usr/bin/env bash
# A node that comes back stops the pods the API no longer assigns to it: with the server
# killed (-9, containers keep running), started once without its agent to force-delete one
# pod through the API, then started again with its agent, the orphaned pod's container is
# stopped while the other pod's is adopted (same container ID, no restart). kubectl 1.33.
# Ends with "N passed, N failed".
set -uo pipefail
source "$(dirname "$0")/lib/common.sh"

NODE_ARGS=(--node-name orphan-test --node-ip 127.0.0.1)
start_node "${NODE_ARGS[@]}"
# Sleep lengths unique to this run name each pod's process (pgrep -f).
ORPHAN_SLEEP=$((400000 + $$))
KEPT_SLEEP=$((500000 + $$))
k apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: orphan}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: main, image: busybox:fixture, command: ["busybox", "sleep", "$ORPHAN_SLEEP"]}
---
apiVersion: v1
kind: Pod
metadata: {name: kept}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: main, image: busybox:fixture, command: ["busybox", "sleep", "$KEPT_SLEEP"]}
YAML
wait_for "pods run" 30 phase_is orphan Running
wait_for "both pods run" 30 phase_is kept Running
id_of() { k get pod "$1" -o jsonpath='{.status.containerStatuses[0].containerID}' 2>/dev/null; }
KEPT_ID=$(id_of kept)
running() { pgrep -f "sleep $1\$" >/dev/null; }
if running "$ORPHAN_SLEEP" && running "$KEPT_SLEEP"; then pass "their processes run"; else fail "their processes run" "$(pgrep -af sleep)"; fi

kill -KILL "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null
SERVER_PID=""
if running "$ORPHAN_SLEEP"; then pass "containers outlive the killed server"; else fail "containers outlive the killed server"; fi

# The control plane alone: the pod is force-deleted while no kubelet of the node runs.
require_server "${NODE_ARGS[@]}"
check "force-delete a pod while the node is down" k delete pod orphan --grace-period=0 --force
gone() { ! k get pod "$1" >/dev/null 2>&1; }
if gone orphan; then pass "the pod is gone from the API"; else fail "the pod is gone from the API"; fi
if running "$ORPHAN_SLEEP"; then pass "its container still runs (no kubelet)"; else fail "its container still runs (no kubelet)"; fi
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null
SERVER_PID=""

# The node comes back: the orphan is stopped, the other pod adopted.
WITH_AGENT=1 require_server "${NODE_ARGS[@]}"
orphan_stopped() { ! running "$ORPHAN_SLEEP"; }
wait_for "the node stops the pod the API no longer has" 40 orphan_stopped
if running "$KEPT_SLEEP"; then pass "the assigned pod keeps running"; else fail "the assigned pod keeps running"; fi
contains "and is adopted (same container ID)" "$(id_of kept)" "$KEPT_ID"
contains "without a restart" "$(k get pod kept -o jsonpath='{.status.containerStatuses[0].restartCount}')" "0"
orphan_dirs() { compgen -G "$TMP/data/pods/*" | wc -l; }
one_pod_dir() { [[ $(orphan_dirs) -eq 1 ]]; }
wait_for "the orphan's pod directory is removed" 20 one_pod_dir
check "delete the other pod" k delete pod kept --grace-period=1 --timeout=60s
wait_for "no shims left" 20 no_shims
finish
