#!/usr/bin/env bash
# The scheduler in `sampan server`, driven with kubectl 1.33: pods bind to nodes that fit
# (nodes are API objects made by the test; no kubelet needed), unschedulable pods show
# upstream's message in `kubectl describe`, cordon keeps new pods off a node.
# Ends with "N passed, N failed".
set -uo pipefail
source "$(dirname "$0")/lib/common.sh"

# The test's nodes never post status: without a long startup grace the node lifecycle
# controller would mark them Unknown (and taint them unreachable) a minute in.
require_server --node-startup-grace-period 1h
use_kubectl 1.33 || { finish; exit 1; }
node_of() { k get pod "$1" -o jsonpath='{.spec.nodeName}' 2>/dev/null; }
bound_to() { [[ $(node_of "$1") == "$2" ]]; }

cat >"$TMP/nodes.yaml" <<YAML
apiVersion: v1
kind: Node
metadata: {name: edge-1, labels: {disk: ssd}}
status: {allocatable: {cpu: "2", memory: 2Gi, pods: "110"}}
---
apiVersion: v1
kind: Node
metadata: {name: edge-2}
spec: {taints: [{key: dedicated, value: gpu, effect: NoSchedule}]}
status: {allocatable: {cpu: "4", memory: 8Gi, pods: "110"}}
YAML
check "create nodes" k create -f "$TMP/nodes.yaml"

pod() {  # name cpu [extra spec json]
  k run "$1" --image=busybox --restart=Never \
    --overrides="{\"spec\":{\"containers\":[{\"name\":\"$1\",\"image\":\"busybox\",\"resources\":{\"requests\":{\"cpu\":\"$2\"}}}]${3:-}}}" >/dev/null
}
pod fits 500m
if wait_until 10 bound_to fits edge-1; then pass "pod bound to the fitting node"; else fail "pod bound to the fitting node" "$(node_of fits)"; fi
out=$(k get pod fits -o jsonpath='{.status.conditions[?(@.type=="PodScheduled")].status}')
contains "PodScheduled=True after binding" "$out" "True"

pod toobig 3
wait_until 10 sh -c "'$K' describe pod toobig | grep -q FailedScheduling"
out=$(k describe pod toobig 2>&1)
contains "unschedulable message" "$out" "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {dedicated: gpu}."
out=$(k get pod toobig -o jsonpath='{.status.conditions[?(@.type=="PodScheduled")].reason}')
contains "unschedulable reason" "$out" "Unschedulable"

pod tolerant 3 ',"tolerations":[{"key":"dedicated","operator":"Equal","value":"gpu","effect":"NoSchedule"}]'
if wait_until 10 bound_to tolerant edge-2; then pass "toleration admits the tainted node"; else fail "toleration admits the tainted node" "$(node_of tolerant)"; fi

pod picky 100m ',"nodeSelector":{"disk":"nvme"}'
wait_until 10 sh -c "'$K' describe pod picky | grep -q FailedScheduling"
out=$(k describe pod picky 2>&1)
contains "node selector reported" "$out" "node(s) didn't match Pod's node affinity/selector"
check "label a node to match" k label node edge-1 disk=nvme --overwrite
if wait_until 10 bound_to picky edge-1; then pass "retried when a node changes"; else fail "retried when a node changes" "$(node_of picky)"; fi

check "cordon" k cordon edge-1
pod late 100m
wait_until 10 sh -c "'$K' describe pod late | grep -q FailedScheduling"
out=$(k describe pod late 2>&1)
contains "cordoned node skipped" "$out" "node(s) were unschedulable"
check "uncordon" k uncordon edge-1
if wait_until 10 bound_to late edge-1; then pass "scheduled after uncordon"; else fail "scheduled after uncordon" "$(node_of late)"; fi
out=$(k get events --field-selector reason=Scheduled 2>&1)
contains "Scheduled events" "$out" "Successfully assigned default/fits to edge-1"

finish
