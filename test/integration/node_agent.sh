#!/usr/bin/env bash
# `sampan server` with its node agent: the node registers and turns Ready, gets a pod CIDR
# and a lease, and looks as upstream in `kubectl get/describe node` (kubectl 1.33 and 1.27).
# Ends with "N passed, N failed".
set -uo pipefail
source "$(dirname "$0")/lib/common.sh"

# An airgap archive waiting in agent/images/ (k3s convention) before the first start.
BUILD=$(dirname "$BIN")
mkdir -p "$TMP/img" "$TMP/data/agent/images"
"$BUILD/test/helpers/mkimage" "$TMP/img" >/dev/null && cp "$TMP/img/busybox.docker.tar.gz" "$TMP/data/agent/images/"

WITH_AGENT=1 require_server --node-name edge-test --node-ip 10.99.0.7
use_kubectl 1.33 || { finish; exit 1; }

ready() { k get node edge-test -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null; }
is_ready() { [[ $(ready) == True ]]; }
if wait_until 10 is_ready; then pass "node Ready"; else fail "node Ready" "$(k get nodes 2>&1)"; fi
if wait_until 10 test -n "$(k get node edge-test -o jsonpath='{.spec.podCIDR}')"; then
  pass "pod CIDR assigned"
else
  fail "pod CIDR assigned" "$(k get node edge-test -o yaml)"
fi
contains "pod CIDR from the cluster CIDR" "$(k get node edge-test -o jsonpath='{.spec.podCIDR}')" "10.42."
for version in 1.27 1.33; do
  out=$("$(kubectl_path "$version")" get nodes -o wide 2>&1)
  contains "$version get nodes shows Ready" "$out" "edge-test   Ready    control-plane,master"
  contains "$version get nodes shows the node IP" "$out" "10.99.0.7"
  contains "$version get nodes shows the runtime" "$out" "sampan://"
done
out=$(k describe node edge-test 2>&1)
contains "describe: conditions" "$out" "KubeletHasSufficientMemory"
contains "describe: capacity" "$out" "pods:               110"
contains "describe: lease" "$out" "HolderIdentity:  edge-test"
node_events() { k describe node edge-test 2>/dev/null | sed -n '/^Events:/,$p'; }
has_node_ready_event() { node_events | grep -q "NodeReady"; }
if wait_until 10 has_node_ready_event; then pass "describe: node events"; else fail "describe: node events" "$(node_events)"; fi
contains "describe: Starting event" "$(node_events)" "Starting kubelet."
out=$(k -n kube-node-lease get lease edge-test -o jsonpath='{.spec.holderIdentity}/{.spec.leaseDurationSeconds}')
contains "lease in kube-node-lease" "$out" "edge-test/40"

if wait_until 20 sh -c "'$BIN' images ls --data-dir '$TMP/data' | grep -q busybox"; then
  pass "airgap archive imported at start"
else
  fail "airgap archive imported at start" "$("$BIN" images ls --data-dir "$TMP/data" 2>&1)"
fi
node_images() { k get node edge-test -o jsonpath='{.status.images[*].names}' 2>/dev/null; }
lists_busybox() { [[ $(node_images) == *"busybox:docker"* ]]; }
if wait_until 20 lists_busybox; then pass "node status lists its images"; else fail "node status lists its images" "$(node_images)"; fi
contains "with the repo digest" "$(node_images)" "docker.io/library/busybox@sha256:"

# A restart keeps the node (no duplicate registration) and its pod CIDR.
cidr=$(k get node edge-test -o jsonpath='{.spec.podCIDR}')
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null
WITH_AGENT=1 start_server --node-name edge-test --node-ip 10.99.0.7 || fail "server restarts"
if wait_until 10 is_ready; then pass "Ready after restart"; else fail "Ready after restart"; fi
contains "pod CIDR kept across restarts" "$(k get node edge-test -o jsonpath='{.spec.podCIDR}')" "$cidr"
finish
