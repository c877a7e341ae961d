#!/usr/bin/env bash
# `sampan agent` on a second node: the server (--disable-agent) runs in one network namespace,
# the agent in another, joined by a veth pair (10.254.0.1/30 and 10.254.0.2/30), each with its
# own data dir; the agent's cgroups go under the test's cgroup subtree.
#  - a fresh agent runs its static pod before the server has ever run with it (the server is
#    stopped), then joins with the k3s token once the server is up (CA hash checked), gets
#    its certificates and the cluster's settings (a non-default DNS IP) under
#    <data-dir>/agent/, registers its Node (Ready, lease, podCIDR) and the mirror pod of its
#    static pod appears, for the same container;
#  - a wrong token (401) and a token naming another CA are refused, the agent exits 1;
#  - a pod the scheduler puts on the agent runs there; kubectl logs and exec reach it through
#    the API server (kubectl 1.33 and 1.27, the Python client's exec);
#  - the server stopped: the agent's pods keep running; kill -9 of the agent and a restart
#    while the server is down: the containers are adopted (same ids), the credentials reused;
#    the server back: statuses Running, no restarts, exec works again.
# Ends with "N passed, N failed".
set -uo pipefail
source "$(dirname "$0")/lib/common.sh"

NODE=agent-test
AGENT_NS=sampan-ita-$$
AGENT_DIR=$TMP/agent
AGENT_PID=""
AGENT_RUNS=0
IN_AGENT=(nsenter "--net=/run/netns/$AGENT_NS")
SERVER_IP=10.254.0.1
AGENT_IP=10.254.0.2
MANIFESTS=$AGENT_DIR/agent/pod-manifests

agent_cleanup() {
  [[ -n $AGENT_PID ]] && kill -TERM "$AGENT_PID" 2>/dev/null && wait "$AGENT_PID" 2>/dev/null
  ip netns del "$AGENT_NS" 2>/dev/null
}
trap 'agent_cleanup; cleanup' EXIT

# Two namespaces joined by a veth pair; the server's one is the suite's NETNS (clients run
# there, common.sh removes it).
use_netns || { fail "network namespaces"; finish; exit 1; }
ip netns add "$AGENT_NS" || { fail "network namespaces"; finish; exit 1; }
ip -n "$AGENT_NS" link set lo up
ip -n "$NETNS" link add veth-srv type veth peer name veth-agent netns "$AGENT_NS"
ip -n "$NETNS" addr add "$SERVER_IP/30" dev veth-srv
ip -n "$NETNS" link set veth-srv up
ip -n "$AGENT_NS" addr add "$AGENT_IP/30" dev veth-agent
ip -n "$AGENT_NS" link set veth-agent up
contains "veth between the nodes" "$(ip -n "$AGENT_NS" -br addr show veth-agent)" "$AGENT_IP/30"

# The test image waits as an airgap archive on the agent; a static pod manifest too.
mkdir -p "$TMP/img" "$AGENT_DIR/agent/images" "$MANIFESTS"
"$(dirname "$BIN")/test/helpers/mkimage" "$TMP/img" >/dev/null &&
  cp "$TMP/img/busybox.oci.tar" "$AGENT_DIR/agent/images/"
cat >"$MANIFESTS/edge.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: edge}
spec:
  hostNetwork: true
  terminationGracePeriodSeconds: 1
  containers:
  - {name: main, image: busybox:fixture, command: ["sh", "-c", "echo static-up; exec busybox sleep 3600"]}
YAML

# The server once, for its CA and token, then stopped: the agent starts without it.
SERVER_FLAGS=(--bind-address 0.0.0.0 --tls-san "$SERVER_IP" --advertise-address "$SERVER_IP"
  --cluster-dns 10.43.0.53)
require_server "${SERVER_FLAGS[@]}"
use_kubectl 1.33 || { finish; exit 1; }
TOKEN=$(cat "$TMP/data/server/token")
contains "the server's token is k3s's format" "$TOKEN" "K10"
stop_server() { kill -TERM "$SERVER_PID" && wait "$SERVER_PID"; SERVER_PID=""; }
stop_server
URL=https://$SERVER_IP:$PORT

start_agent() {  # start_agent [TOKEN]: the agent in its namespace, log in agent.log.N
  AGENT_RUNS=$((AGENT_RUNS + 1))
  : >"$TMP/agent.log.$AGENT_RUNS"  # there before the first look at it
  SAMPAN_CONFIG=$TMP/empty-config.yaml "${IN_AGENT[@]}" "$BIN" agent --server "$URL" \
    --token "${1:-$TOKEN}" --data-dir "$AGENT_DIR" --node-name "$NODE" --node-ip "$AGENT_IP" \
    --cgroup-root "$CGROUP_ROOT" >>"$TMP/agent.log.$AGENT_RUNS" 2>&1 &
  AGENT_PID=$!
}
agent_log() { cat "$TMP/agent.log.$AGENT_RUNS"; }

# Wrong tokens: refused with a clear error, the agent exits 1 (a data dir of its own).
bad_agent() {  # bad_agent TOKEN [NODE]
  SAMPAN_CONFIG=$TMP/empty-config.yaml timeout 60 "${IN_AGENT[@]}" "$BIN" agent --server "$URL" \
    --token "$1" --data-dir "$TMP/bad" --node-name "${2:-bad-node}" --node-ip "$AGENT_IP" \
    --kubelet-port 10251 --cgroup-root "$CGROUP_ROOT/bad" --pod-manifest-path "$TMP/bad/none"
}
HASH=${TOKEN#K10}
HASH=${HASH%%::*}

# 1. A fresh agent with the server down: its static pod runs anyway.
start_agent
static_shim() { pgrep -f "sampan shim .*$AGENT_DIR/" >/dev/null && grep -qs static-up "$AGENT_DIR"/logs/pods/default_edge-"$NODE"_*/main/0.log; }
if wait_until 60 static_shim; then pass "static pod runs before the server is up"; else fail "static pod runs before the server is up" "$(agent_log | tail -20)"; fi
waiting_to_join() { agent_log | grep -q "cannot join $URL yet"; }
if wait_until 20 waiting_to_join; then pass "the agent retries the join"; else fail "the agent retries the join" "$(agent_log | tail -5)"; fi
check "the agent keeps running without a server" kill -0 "$AGENT_PID"
FIRST_SHIM=$(pgrep -f "sampan shim .*$AGENT_DIR/")

# 2. The server comes up: the agent joins, the node turns Ready, the mirror pod appears.
restart_server
bad_out=$(bad_agent "K10$HASH::server:wrong-secret" 2>&1)
rc=$?
expect "wrong token: exit 1" 1 echo "$rc"
contains "wrong token: refused (401)" "$bad_out" "the server refused the token (HTTP 401"
bad_out=$(bad_agent "K10$(printf '0%.0s' {1..64})::server:${TOKEN##*:}" 2>&1)
rc=$?
expect "token of another CA: exit 1" 1 echo "$rc"
contains "token of another CA: refused" "$bad_out" "does not match the token's hash"
expect "the wrong tokens left no node" "" k get node bad-node -o name --ignore-not-found

ready() { [[ $(k get node "$NODE" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null) == True ]]; }
if wait_until 60 ready; then pass "agent node Ready"; else fail "agent node Ready" "$(k get nodes -o wide 2>&1; agent_log | tail -20)"; fi
contains "agent logged the join" "$(agent_log)" "joined $URL as node $NODE"
for f in server-ca.crt client-ca.crt client-kubelet.crt client-kubelet.key serving-kubelet.crt serving-kubelet.key node-password; do
  check "credentials: agent/$f" test -s "$AGENT_DIR/agent/$f"
done
expect "client certificate is system:node:$NODE in system:nodes" "subject=O=system:nodes, CN=system:node:$NODE" \
  openssl x509 -in "$AGENT_DIR/agent/client-kubelet.crt" -noout -subject -nameopt sep_comma_plus_space
contains "serving certificate names the node IP" "$(openssl x509 -in "$AGENT_DIR/agent/serving-kubelet.crt" -noout -ext subjectAltName 2>&1)" "IP Address:$AGENT_IP"
check "serving certificate is signed by the server CA" openssl verify -CAfile "$TMP/data/server/tls/server-ca.crt" "$AGENT_DIR/agent/serving-kubelet.crt"
expect "node InternalIP" "$AGENT_IP" k get node "$NODE" -o jsonpath='{.status.addresses[?(@.type=="InternalIP")].address}'
expect "node lease held by the agent" "$NODE" k -n kube-node-lease get lease "$NODE" -o jsonpath='{.spec.holderIdentity}'
has_cidr() { [[ $(k get node "$NODE" -o jsonpath='{.spec.podCIDR}' 2>/dev/null) == 10.42.* ]]; }
wait_for "agent node gets a pod CIDR" 20 has_cidr
wait_for "mirror pod of the static pod appears" 30 phase_is "edge-$NODE" Running
contains "mirror pod annotation" "$(k get pod "edge-$NODE" -o jsonpath='{.metadata.annotations}')" "kubernetes.io/config.mirror"
expect "mirror pod on the agent node" "$NODE" k get pod "edge-$NODE" -o jsonpath='{.spec.nodeName}'
STATIC_ID=$(k get pod "edge-$NODE" -o jsonpath='{.status.containerStatuses[0].containerID}')
# Another machine (its own node password) cannot take the joined node's name.
bad_out=$(bad_agent "$TOKEN" "$NODE" 2>&1)
rc=$?
expect "taking a joined node's name: exit 1" 1 echo "$rc"
contains "taking a joined node's name: refused (403)" "$bad_out" "node \"$NODE\" joined before with another node password"
check "the static pod's container from before the join is the one reported" pgrep -f "sampan shim .*${STATIC_ID#*://}"
contains "and it kept running through the join" " $(echo $FIRST_SHIM) " " $(pgrep -f "sampan shim .*${STATIC_ID#*://}") "
# What the node's identity may do (RBAC system:node, NodeRestriction admission).
as_node() {
  KUBECONFIG=$TMP/empty-config.yaml k --server "https://127.0.0.1:$PORT" --certificate-authority "$AGENT_DIR/agent/server-ca.crt" \
    --client-certificate "$AGENT_DIR/agent/client-kubelet.crt" \
    --client-key "$AGENT_DIR/agent/client-kubelet.key" "$@"
}
expect "the node's identity is system:node:$NODE" "system:node:$NODE" as_node auth whoami -o jsonpath='{.status.userInfo.username}'
k create -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Node
metadata: {name: other-node}
YAML
expect_error "a node may not change another node" "node \"$NODE\" is not allowed to modify node \"other-node\"" as_node label node other-node x=y
expect_error "a node may only create mirror pods" "can only create mirror pods" as_node run rogue --image=busybox:fixture
check "a node may label itself" as_node label node "$NODE" sampan.test/labelled=yes
k delete node other-node >/dev/null
contains "agent took the cluster's settings from the server" "$(cat "$AGENT_DIR/agent/cluster.json")" '"clusterDNS":"10.43.0.53"'

# 3. A pod the scheduler puts on the agent: runs, logs and exec through the API server.
k apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: work}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: main, image: busybox:fixture, command: ["sh", "-c", "echo hello-from-agent; exec busybox sleep 3600"]}
YAML
wait_for "pod scheduled to the agent runs" 60 phase_is work Running
expect "pod is on the agent node" "$NODE" k get pod work -o jsonpath='{.spec.nodeName}'
contains "pod IP from the agent's pod CIDR" "$(k get pod work -o jsonpath='{.status.podIP}')" "10.42."
says_hello() { [[ $("${IN_NS[@]}" "$2" logs "$1" 2>/dev/null) == *hello-from-agent* ]]; }
for version in 1.33 1.27; do
  KV=$(kubectl_path "$version")
  if wait_until 20 says_hello work "$KV"; then pass "kubectl $version logs on the agent's pod"; else fail "kubectl $version logs on the agent's pod" "$("${IN_NS[@]}" "$KV" logs work 2>&1 | tail -3)"; fi
  expect "kubectl $version exec on the agent's pod" "agent-exec $version" "${IN_NS[@]}" "$KV" exec work -- sh -c "echo agent-exec $version"
  "${IN_NS[@]}" "$KV" exec work -- sh -c 'exit 7' >/dev/null 2>&1
  expect "kubectl $version exec exit code" 7 echo $?
done
# The Python client's stream() exec (WebSocket) on the agent's pod.
cat >"$TMP/py_exec.py" <<'PY'
import sys
from kubernetes import client, config
from kubernetes.stream import stream
config.load_kube_config(sys.argv[1])
out = stream(client.CoreV1Api().connect_get_namespaced_pod_exec, "work", "default",
             command=["sh", "-c", "echo py-agent"], stderr=True, stdin=False, stdout=True,
             tty=False)
print("OUT:" + repr(out))
PY
contains "python client exec on the agent's pod" "$(timeout 60 "${IN_NS[@]}" /usr/bin/python3 "$TMP/py_exec.py" "$KUBECONFIG" 2>&1)" "OUT:'py-agent\n'"
static_logs() { [[ $(k logs "edge-$NODE" 2>/dev/null) == *static-up* ]]; }
wait_for "kubectl logs of the static pod" 20 static_logs
contains "the pod's resolv.conf names the cluster's DNS" "$(k exec work -- busybox cat /etc/resolv.conf 2>&1)" "nameserver 10.43.0.53"
WORK_ID=$(k get pod work -o jsonpath='{.status.containerStatuses[0].containerID}')

# 4. Server stopped: the pods keep running; the agent, killed -9 and restarted while the
#    server is down, adopts them.
LINES=$(agent_log | wc -l)
stop_server
lost_server() { agent_log | tail -n +$((LINES + 1)) | grep -q "Connection refused"; }
wait_for "the agent notices the server is gone" 30 lost_server
running() { pgrep -f "sampan shim .*${1#*://}" >/dev/null; }
check "static pod survives the server stop" running "$STATIC_ID"
check "scheduled pod survives the server stop" running "$WORK_ID"
check "the agent keeps running without the server" kill -0 "$AGENT_PID"
kill -KILL "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null
AGENT_PID=""
start_agent
reused() { agent_log | grep -q "reusing the credentials"; }
wait_for "restarted agent reuses its credentials (server down)" 20 reused
check "static pod still runs after kill -9 of the agent" running "$STATIC_ID"
check "scheduled pod still runs after kill -9 of the agent" running "$WORK_ID"

# 5. The server back: the node is Ready again, the same containers show, exec works.
restart_server
wait_for "agent node Ready again" 60 ready
same() { [[ $(k get pod "$1" -o jsonpath='{.status.containerStatuses[0].containerID}' 2>/dev/null) == "$2" ]] && phase_is "$1" Running; }
wait_for "static pod adopted: same container" 60 same "edge-$NODE" "$STATIC_ID"
wait_for "scheduled pod adopted: same container" 60 same work "$WORK_ID"
expect "no restarts of the static pod" 0 k get pod "edge-$NODE" -o jsonpath='{.status.containerStatuses[0].restartCount}'
expect "no restarts of the scheduled pod" 0 k get pod work -o jsonpath='{.status.containerStatuses[0].restartCount}'
expect "exec works on the adopted pod" "adopted" k exec work -- sh -c "echo adopted"
if ! agent_log | grep -q "joined $URL"; then pass "no second join"; else fail "no second join" "$(agent_log | grep joined)"; fi

forbidden=$(cat "$TMP"/agent.log.* | grep -i "forbidden" | head -5)
if [[ -z $forbidden ]]; then pass "RBAC let the node do all it tried"; else fail "RBAC let the node do all it tried" "$forbidden"; fi

k delete pod work --wait=false >/dev/null 2>&1
finish
