#!/usr/bin/env bash
# The pod network of one node (kubectl 1.33), with the whole server in a network namespace
# of its own: pods get addresses of the node's podCIDR on eth0 behind the sampan0 bridge,
# reach each other (ping, TCP with busybox nc and httpd) and are reached from the node;
# /etc/hosts, hostname and resolv.conf are the pod's; deleting pods frees addresses and
# veths. Ends with "N passed, N failed".
set -uo pipefail
source "$(dirname "$0")/lib/common.sh"

# The node's address: one end of a veth pair in the test's namespace.
before_start() {
  ip -n "$NETNS" link add node0 type veth peer name node0peer &&
    ip -n "$NETNS" addr add 192.0.2.10/24 dev node0 &&
    ip -n "$NETNS" link set node0 up && ip -n "$NETNS" link set node0peer up
}
start_node --node-name net-test --node-ip 192.0.2.10

k apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  terminationGracePeriodSeconds: 1
  hostname: www
  subdomain: front
  containers:
  - name: httpd
    image: busybox:fixture
    command: ["sh", "-c", "mkdir -p /srv && echo hello-from-web > /srv/index.html && exec busybox httpd -f -p 8080 -h /srv"]
    ports: [{name: http, containerPort: 8080}]
    readinessProbe: {httpGet: {path: /index.html, port: http}, periodSeconds: 1}
    livenessProbe: {tcpSocket: {port: 8080}, periodSeconds: 1}
---
apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: main, image: busybox:fixture, command: ["sh", "-c", "exec busybox sleep 3600"]}
YAML

ip_of() { k get pod "$1" -o jsonpath='{.status.podIP}' 2>/dev/null; }
if wait_until 30 phase_is web Running && wait_until 30 phase_is client Running; then pass "pods run"; else fail "pods run" "$(k get pods -o wide; k describe pods | tail -30)"; fi
web_ready() { [[ $(k get pod web -o jsonpath='{.status.containerStatuses[0].ready}' 2>/dev/null) == true ]]; }
wait_until 20 web_ready && pass "httpGet readiness probe on the pod IP passes" || fail "httpGet readiness probe on the pod IP passes" "$(k describe pod web | tail -20)"
WEB=$(ip_of web)
CLIENT=$(ip_of client)
contains "pod IP from the node's podCIDR" "$WEB $CLIENT" "10.42."
[[ $WEB != "$CLIENT" ]] && pass "pods have different IPs" || fail "pods have different IPs" "$WEB $CLIENT"

# Inside a pod: run a command in its network namespace (the sandbox holder's).
holder_of() {
  local uid
  uid=$(k get pod "$1" -o jsonpath='{.metadata.uid}')
  grep -l "\"$uid\"" "$TMP"/data/agent/sandboxes/*/* 2>/dev/null | head -1 | xargs -r dirname
}
in_pod() {
  local pid
  pid=$(pgrep -f "sampan shim sandbox --dir $(holder_of "$1")" | head -1)
  shift
  nsenter --net=/proc/"$pid"/ns/net "$@"
}
contains "eth0 holds the pod IP" "$(in_pod client ip -4 addr show eth0)" "inet $CLIENT/24"
contains "default route via the gateway" "$(in_pod client ip route)" "default via 10.42.0.1"
contains "loopback is up" "$(in_pod client ip link show lo)" "UP"
contains "bridge on the node holds the gateway" "$("${IN_NS[@]}" ip -4 addr show sampan0)" "10.42.0.1/24"

# The host's busybox (the one the test image is built from) as the pods' tools.
check "pod to pod ping" in_pod client busybox ping -c 1 -W 2 "$WEB"
web_from_client() { in_pod client curl -s -m 3 "http://$WEB:8080/" | grep -q hello-from-web; }
check "pod to pod TCP (httpd)" web_from_client
check "node to pod TCP" "${IN_NS[@]}" curl -s -m 3 "http://$WEB:8080/"

hosts=$(cat "$TMP"/data/pods/*/etc-hosts | grep -F "$WEB")
contains "/etc/hosts names the pod with its FQDN" "$hosts" "www.front.default.svc.cluster.local"

contains "tcpSocket liveness probe keeps it running" "$(k get pod web -o jsonpath='{.status.containerStatuses[0].restartCount}')" "0"

check "delete the pods" k delete pods --all --grace-period=1 --timeout=60s
no_allocations() { [[ -z $(find "$TMP/data/agent/net" -type f -name '10.*' 2>/dev/null) ]]; }
wait_until 10 no_allocations && pass "addresses released" || fail "addresses released" "$(ls -R "$TMP/data/agent/net")"
no_veths() { ! "${IN_NS[@]}" ip -o link show type veth | grep -q veth; }
wait_until 10 no_veths && pass "veths removed" || fail "veths removed" "$("${IN_NS[@]}" ip -o link)"
finish
