#!/usr/bin/env bash
# Node stats and pressure eviction on a one-node cluster (network namespace of its own):
# the kubelet's /stats/summary and /metrics/resource (HTTPS with client certificates) report
# CPU and memory of the node, of pods and of their containers from cgroups; the API server
# serves metrics.k8s.io from them, so `kubectl top node` and `kubectl top pod [-A]
# [--containers] [-l]` work with kubectl 1.33 and 1.27. Then the server restarts with
# `--kubelet-arg eviction-hard=nodefs.available<100%` (pressure forced on the real node):
# DiskPressure turns True and the BestEffort pod is evicted before the Burstable one, with
# upstream's reason, message and event. Ends with "N passed, N failed".
set -uo pipefail
source "$(dirname "$0")/lib/common.sh"

NODE=stats-test
KPORT=$((32000 + RANDOM % 700)) # apart from free_port's range (the API server's)
start_node --node-name "$NODE" --node-ip 127.0.0.1 --kubelet-port "$KPORT" \
  --log-level "${LOG_LEVEL:-info}"

k apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: busy, labels: {app: busy}}
spec:
  hostNetwork: true
  terminationGracePeriodSeconds: 1
  containers:
  - name: spin
    image: busybox:fixture
    command: ["sh", "-c", "while :; do :; done"]
    resources: {limits: {cpu: 200m}}
---
apiVersion: v1
kind: Pod
metadata: {name: hog, labels: {app: hog}}
spec:
  hostNetwork: true
  terminationGracePeriodSeconds: 1
  containers:
  - name: fill
    image: busybox:fixture
    # 40 MiB in the container's tmpfs /dev/shm: shared memory counts in its memory cgroup.
    command: ["sh", "-c", "dd if=/dev/zero of=/dev/shm/fill bs=1M count=40 2>/dev/null; exec sleep 3600"]
YAML
wait_for "busy runs" 60 phase_is busy Running
wait_for "hog runs" 60 phase_is hog Running

# --- the kubelet API --------------------------------------------------------------------
TLS=$TMP/data/server/tls
kget() {
  "${IN_NS[@]}" curl -sf --cacert "$TLS/server-ca.crt" --cert "$TLS/client-admin.crt" \
    --key "$TLS/client-admin.key" "https://127.0.0.1:$KPORT$1"
}
code_without_cert() {
  "${IN_NS[@]}" curl -s --cacert "$TLS/server-ca.crt" -o /dev/null -w '%{http_code}' \
    "https://127.0.0.1:$KPORT$1"
}
# summary_check PYTHON-EXPRESSION: true when it holds for the summary `s` (json), with
# pod(name) and container(pod, name) helpers.
summary_check() {
  kget /stats/summary >"$TMP/summary.json" 2>/dev/null || return 1
  /usr/bin/python3 - "$1" "$TMP/summary.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[2]))
def pod(name):
    return next(p for p in s["pods"] if p["podRef"]["name"] == name and p["podRef"]["namespace"] == "default")
def container(p, name):
    return next(c for c in pod(p)["containers"] if c["name"] == name)
try:
    ok = eval(sys.argv[1])
except (StopIteration, KeyError):
    ok = False
sys.exit(0 if ok else 1)
PY
}
expect_summary() {
  local name=$1 expr=$2
  if wait_until "${3:-30}" summary_check "$expr"; then pass "$name"; else fail "$name" "$expr: $(head -c 1500 "$TMP/summary.json")"; fi
}

expect "stats/summary without a client certificate: 401" 401 code_without_cert /stats/summary
expect_summary "summary: node name, CPU time and memory of the node" \
  's["node"]["nodeName"] == "'$NODE'" and s["node"]["cpu"]["usageCoreNanoSeconds"] > 0 and 0 < s["node"]["memory"]["workingSetBytes"] < s["node"]["memory"]["workingSetBytes"] + s["node"]["memory"]["availableBytes"]'
expect_summary "summary: node file systems (nodefs, imagefs)" \
  '0 < s["node"]["fs"]["availableBytes"] <= s["node"]["fs"]["capacityBytes"] and s["node"]["runtime"]["imageFs"]["capacityBytes"] > 0'
expect_summary "summary: pod reference and its container" \
  'pod("busy")["podRef"]["uid"] != "" and [c["name"] for c in pod("busy")["containers"]] == ["spin"]'
expect_summary "summary: the busy loop uses CPU, at most its 200m limit" \
  '10_000_000 < container("busy", "spin")["cpu"]["usageNanoCores"] <= 300_000_000 and container("busy", "spin")["cpu"]["usageCoreNanoSeconds"] > 0'
expect_summary "summary: pod CPU includes its container's" \
  'pod("busy")["cpu"]["usageCoreNanoSeconds"] >= container("busy", "spin")["cpu"]["usageCoreNanoSeconds"]'
expect_summary "summary: 40 MiB in the hog's working set" \
  'container("hog", "fill")["memory"]["workingSetBytes"] >= 40 * 2**20 and pod("hog")["memory"]["workingSetBytes"] >= 40 * 2**20'
expect_summary "summary: the idle container is small" \
  'container("busy", "spin")["memory"]["workingSetBytes"] < 20 * 2**20'

metrics=$(kget /metrics/resource)
contains "metrics/resource: container CPU with labels" "$metrics" 'container_cpu_usage_seconds_total{container="spin",namespace="default",pod="busy"} '
contains "metrics/resource: container working set" "$metrics" 'container_memory_working_set_bytes{container="fill",namespace="default",pod="hog"} '
contains "metrics/resource: pod CPU" "$metrics" 'pod_cpu_usage_seconds_total{namespace="default",pod="busy"} '
contains "metrics/resource: node CPU and memory" "$metrics" "node_memory_working_set_bytes "
contains "metrics/resource: no scrape error" "$metrics" $'\nresource_scrape_error 0'
expect "metrics/resource without a client certificate: 401" 401 code_without_cert /metrics/resource

# --- metrics.k8s.io and kubectl top ------------------------------------------------------
resources=$(k api-resources --api-group=metrics.k8s.io 2>&1)
contains "discovery: metrics.k8s.io nodes" "$resources" "NodeMetrics"
contains "discovery: metrics.k8s.io pods" "$resources" "PodMetrics"
raw_hog() { k get --raw /apis/metrics.k8s.io/v1beta1/namespaces/default/pods/hog 2>&1; }
check "metrics.k8s.io: PodMetrics of hog with 40 MiB" /usr/bin/python3 -c '
import json, sys
m = json.loads(sys.argv[1])
assert m["kind"] == "PodMetrics" and m["window"] and m["timestamp"], m
mem = m["containers"][0]["usage"]["memory"]
units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "k": 1000, "M": 10**6}
n = next((int(mem[:-len(u)]) * f for u, f in units.items() if mem.endswith(u)), None)
n = int(mem) if n is None else n
assert n >= 40 * 2**20, mem' "$(raw_hog)"
expect_error "metrics.k8s.io: a missing pod is NotFound" "NotFound" \
  k get --raw /apis/metrics.k8s.io/v1beta1/namespaces/default/pods/nothere
expect_error "metrics.k8s.io: no writes" "MethodNotAllowed" \
  k delete --raw /apis/metrics.k8s.io/v1beta1/nodes/$NODE

# kubectl top shows the busy loop with more than 0m of CPU.
busy_cpu_nonzero() {
  local row
  row=$(k top pod busy --no-headers 2>/dev/null) || return 1
  [[ $row =~ ^busy[[:space:]]+([0-9]+)m ]] && ((BASH_REMATCH[1] > 0))
}
for version in 1.33 1.27; do
  use_kubectl "$version" || continue
  if wait_until 30 k top node; then
    out=$(k top node 2>&1)
    contains "kubectl $version top node: header" "$out" "CPU(cores)"
    contains "kubectl $version top node: the node" "$out" "$NODE"
  else
    fail "kubectl $version top node" "$(k top node 2>&1)"
  fi
  wait_for "kubectl $version top pod: busy uses CPU" 30 busy_cpu_nonzero
  out=$(k top pod 2>&1)
  contains "kubectl $version top pod: hog listed" "$out" "hog"
  out=$(k top pod -A 2>&1)
  contains "kubectl $version top pod -A: namespace column" "$out" "NAMESPACE"
  contains "kubectl $version top pod -A: busy" "$out" "busy"
  out=$(k top pod busy --containers 2>&1)
  contains "kubectl $version top pod --containers: the container" "$out" "spin"
  out=$(k top pod -l app=hog 2>&1)
  if [[ $out == *hog* && $out != *busy* ]]; then pass "kubectl $version top pod -l: label selector"; else fail "kubectl $version top pod -l: label selector" "$out"; fi
done
use_kubectl 1.33

# --- eviction under pressure -------------------------------------------------------------
k delete pod busy hog --grace-period=0 --force >/dev/null 2>&1
wait_until 60 no_shims
k apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: victim}
spec:
  hostNetwork: true
  terminationGracePeriodSeconds: 30
  containers:
  - {name: main, image: busybox:fixture, command: ["sh", "-c", "exec sleep 3600"]}
---
apiVersion: v1
kind: Pod
metadata: {name: keeper}
spec:
  hostNetwork: true
  terminationGracePeriodSeconds: 30
  containers:
  - name: main
    image: busybox:fixture
    command: ["sh", "-c", "exec sleep 3600"]
    resources: {requests: {memory: 10Mi, cpu: 10m}}
YAML
wait_for "victim runs" 60 phase_is victim Running
wait_for "keeper runs" 60 phase_is keeper Running
condition() { k get node "$NODE" -o jsonpath="{.status.conditions[?(@.type==\"$1\")].status}" 2>/dev/null; }
expect "no disk pressure before" False condition DiskPressure

# In the suite's namespace, without an agent and bounded in time, should it start after all.
bad_flag=$("${IN_NS[@]}" timeout 20 "$BIN" server --disable-agent --data-dir "$TMP/other" \
  --write-kubeconfig "$TMP/other.yaml" --bind-address 127.0.0.1 --https-listen-port "$(free_port)" \
  --kubelet-arg 'eviction-hard=memory.free<1Gi' 2>&1)
contains "a bad threshold is refused at start" "$bad_flag" "memory.free"

kill -TERM "$SERVER_PID" && wait "$SERVER_PID"
mv "$TMP/server.log" "$TMP/server-1.log"
WITH_AGENT=1 require_server --node-name "$NODE" --node-ip 127.0.0.1 --kubelet-port "$KPORT" \
  --log-level "${LOG_LEVEL:-info}" --kubelet-arg 'eviction-hard=nodefs.available<100%'

condition_is() { [[ $(condition "$1") == "$2" ]]; }
wait_for "DiskPressure turns True" 60 condition_is DiskPressure True
expect "memory pressure stays False" False condition MemoryPressure
wait_for "the BestEffort pod is evicted" 60 phase_is victim Failed
expect "evicted: reason" Evicted k get pod victim -o jsonpath='{.status.reason}'
msg=$(k get pod victim -o jsonpath='{.status.message}')
contains "evicted: upstream's message" "$msg" "The node was low on resource: ephemeral-storage. Threshold quantity: "
terminated() { [[ -n $(k get pod victim -o jsonpath='{.status.containerStatuses[0].state.terminated.exitCode}' 2>/dev/null) ]]; }
wait_for "evicted: its container was stopped" 30 terminated
events=$(k get events --field-selector involvedObject.name=victim -o jsonpath='{range .items[*]}{.type} {.reason}: {.message}{"\n"}{end}' 2>&1)
contains "evicted: a Warning Evicted event" "$events" "Warning Evicted: The node was low on resource: ephemeral-storage"
wait_for "then the Burstable pod, one at a time" 60 phase_is keeper Failed
order=$(grep -o "evicting pod default/[a-z]*" "$TMP/server.log" | head -2 | tr '\n' ' ')
expect "eviction order: BestEffort first" "evicting pod default/victim evicting pod default/keeper " echo "$order"
wait_for "no container left running" 30 no_shims

finish
