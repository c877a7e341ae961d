#!/usr/bin/env bash
# Lost nodes as the control plane handles them, with a short grace: a Node and its Lease made
# by the test (no agent) stop being renewed; the node turns Unknown and gets the unreachable
# taints, its pods are marked not ready and evicted after their (default, admission-added)
# tolerationSeconds, pods tolerating for ever stay; the node posting Ready again loses the
# taints; pods of a deleted node are garbage-collected. kubectl 1.33 (and 1.27 for get nodes).
# Ends with "N passed, N failed".
set -uo pipefail
source "$(dirname "$0")/lib/common.sh"

require_server --node-monitor-grace-period 3s --node-monitor-period 200ms \
  --default-not-ready-toleration-seconds 4 --default-unreachable-toleration-seconds 4
use_kubectl 1.33 || { finish; exit 1; }

stamp() { date -u +%Y-%m-%dT%H:%M:%SZ; }
# The node's kubelet, played by the test: lease renewal and Ready posts.
renew_lease() {
  k -n kube-node-lease patch lease lost --type=merge \
    -p "{\"spec\":{\"renewTime\":\"$(date -u +%Y-%m-%dT%H:%M:%S.%6NZ)\"}}" >/dev/null
}
post_ready() {
  k patch node lost --subresource=status --type=merge -p "{\"status\":{\"conditions\":[
    {\"type\":\"Ready\",\"status\":\"$1\",\"reason\":\"KubeletReady\",\"message\":\"test kubelet\",
     \"lastHeartbeatTime\":\"$(stamp)\",\"lastTransitionTime\":\"$(stamp)\"}]}}" >/dev/null
}
# The kubelet's lease loop, in the background while the node is "back".
RENEWER=""
start_renewing() {
  (while :; do renew_lease; sleep 0.2; done) &
  RENEWER=$!
}
stop_renewing() { [[ -n $RENEWER ]] && kill "$RENEWER" 2>/dev/null && wait "$RENEWER" 2>/dev/null; RENEWER=""; }
trap 'stop_renewing; cleanup' EXIT
ready() { k get node lost -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null; }
ready_is() { [[ $(ready) == "$1" ]]; }
taints() { k get node lost -o jsonpath='{range .spec.taints[*]}{.key}:{.effect} {end}' 2>/dev/null; }
taints_are() { [[ $(taints) == "$1" ]]; }
terminating() { [[ -n $(k get pod "$1" -o jsonpath='{.metadata.deletionTimestamp}' 2>/dev/null) ]]; }
gone() { ! k get pod "$1" >/dev/null 2>&1; }
pod_ready() { k get pod "$1" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null; }
pod_ready_is() { [[ $(pod_ready "$1") == "$2" ]]; }

k apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Node
metadata: {name: lost, labels: {kubernetes.io/hostname: lost}}
---
apiVersion: coordination.k8s.io/v1
kind: Lease
metadata: {name: lost, namespace: kube-node-lease}
spec: {holderIdentity: lost, leaseDurationSeconds: 40, renewTime: "$(date -u +%Y-%m-%dT%H:%M:%S.%6NZ)"}
---
apiVersion: v1
kind: Pod
metadata: {name: defaulted}
spec:
  nodeName: lost
  containers: [{name: main, image: busybox}]
---
apiVersion: v1
kind: Pod
metadata: {name: forever}
spec:
  nodeName: lost
  tolerations: [{key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute}]
  containers: [{name: main, image: busybox}]
---
apiVersion: v1
kind: Pod
metadata: {name: patient}
spec:
  nodeName: lost
  tolerations: [{key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 3600}]
  containers: [{name: main, image: busybox}]
YAML
# A ready pod (before the node's first Ready post: until then the startup grace holds).
k patch pod forever --subresource=status --type=merge \
  -p '{"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}}' >/dev/null
post_ready True
if [[ $(ready) == True || $(ready) == Unknown ]]; then pass "a test node posts its Ready condition"; else fail "a test node posts its Ready condition" "$(k get node lost -o yaml)"; fi

# DefaultTolerationSeconds admission, with the shortened seconds.
out=$(k get pod defaulted -o jsonpath='{range .spec.tolerations[*]}{.key}/{.effect}/{.tolerationSeconds} {end}')
contains "admission adds the not-ready toleration" "$out" "node.kubernetes.io/not-ready/NoExecute/4"
contains "admission adds the unreachable toleration" "$out" "node.kubernetes.io/unreachable/NoExecute/4"
out=$(k get pod patient -o jsonpath='{range .spec.tolerations[*]}{.key}/{.tolerationSeconds} {end}')
contains "a pod's own toleration is kept" "$out" "node.kubernetes.io/unreachable/3600"
if [[ $out != *"unreachable/4"* ]]; then pass "and not doubled"; else fail "and not doubled" "$out"; fi

# Nothing renews any more.
wait_for "silent node turns Unknown" 20 ready_is Unknown
out=$(k get node lost -o jsonpath='{.status.conditions[?(@.type=="Ready")].reason}/{.status.conditions[?(@.type=="Ready")].message}')
contains "reason and message as upstream" "$out" "NodeStatusUnknown/Kubelet stopped posting node status."
wait_for "unreachable taints" 10 taints_are "node.kubernetes.io/unreachable:NoSchedule node.kubernetes.io/unreachable:NoExecute "
added=$(k get node lost -o jsonpath='{.spec.taints[?(@.effect=="NoExecute")].timeAdded}')
if [[ -n $added ]]; then pass "the NoExecute taint has timeAdded"; else fail "the NoExecute taint has timeAdded" "$(k get node lost -o yaml)"; fi
for version in 1.27 1.33; do
  contains "$version get nodes shows NotReady" "$("$(kubectl_path "$version")" get node lost 2>&1)" "NotReady"
done
wait_for "pods on the node are marked not ready" 10 pod_ready_is forever False

wait_for "pod with the default toleration is evicted after its seconds" 20 terminating defaulted
out=$(k get pod defaulted -o jsonpath='{.status.conditions[?(@.type=="DisruptionTarget")].reason}')
contains "with a DisruptionTarget condition" "$out" "DeletionByTaintManager"
eviction_event() { [[ $(k get events --field-selector involvedObject.name=defaulted -o jsonpath='{.items[*].reason}' 2>/dev/null) == *TaintManagerEviction* ]]; }
wait_for "and a TaintManagerEviction event" 10 eviction_event
if ! terminating forever; then pass "pod tolerating for ever stays"; else fail "pod tolerating for ever stays"; fi
if ! terminating patient; then pass "pod tolerating an hour stays"; else fail "pod tolerating an hour stays"; fi
# With no kubelet to stop it, the evicted pod stays Terminating (as upstream).
if terminating defaulted; then pass "evicted pod waits for its kubelet"; else fail "evicted pod waits for its kubelet"; fi

# The kubelet comes back: the lease alone does not make the node Ready, its Ready post does.
start_renewing
post_ready True
wait_for "node Ready again loses its taints" 10 taints_are ""
if ready_is True; then pass "and stays Ready"; else fail "and stays Ready" "$(k get node lost -o yaml)"; fi

# A kubelet reporting NotReady: the not-ready taints instead.
post_ready False
wait_for "NotReady node gets the not-ready taints" 10 taints_are "node.kubernetes.io/not-ready:NoSchedule node.kubernetes.io/not-ready:NoExecute "

stop_renewing

# The node is deleted: the pod GC force-deletes its pods (after the quarantine).
check "delete the node" k delete node lost
wait_for "pods of a deleted node are garbage-collected" 20 gone forever
wait_for "the terminating one too" 10 gone defaulted
wait_for "and the patient one" 10 gone patient
finish
