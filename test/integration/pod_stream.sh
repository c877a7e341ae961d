#!/usr/bin/env bash
# Streaming into a running pod through the API server and the kubelet over SPDY/3.1 and
# WebSocket: kubectl 1.27 exec (SPDY: output, exit codes, stdin and its end, a terminal),
# kubectl 1.27 cp both ways (tar over exec), port-forward with kubectl 1.33 (SPDY tunnelled
# in WebSocket) and 1.27 (SPDY) into the pod's own network namespace, a closed port's
# error, the Python client's WebSocket port-forward, and nodes/proxy. The server runs in a
# network namespace of its own; the pod has its own behind the node's bridge.
# Ends with "N passed, N failed".
set -uo pipefail
source "$(dirname "$0")/lib/common.sh"

# The node's address: one end of a veth pair in the test's namespace.
before_start() {
  ip -n "$NETNS" link add node0 type veth peer name node0peer &&
    ip -n "$NETNS" addr add 192.0.2.10/24 dev node0 &&
    ip -n "$NETNS" link set node0 up && ip -n "$NETNS" link set node0peer up
}
KPORT=$((32000 + RANDOM % 700)) # apart from free_port's range (the API server's)
# Debug logs: the kubelet names the protocol each stream was upgraded to.
start_node --node-name stream-test --node-ip 192.0.2.10 --kubelet-port "$KPORT" --log-level debug

k apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: httpd
    image: busybox:fixture
    # kubectl cp runs `tar` by name: the fixture has only /bin/busybox and /bin/sh.
    command: ["sh", "-c", "busybox ln -s busybox /bin/tar && mkdir -p /srv && echo hello-from-web > /srv/index.html && busybox head -c 1000000 /dev/zero | tr '\\0' 'z' > /srv/big && exec busybox httpd -f -p 8080 -h /srv"]
YAML
wait_for "web runs" 60 field_is web '{.status.phase}' Running
# 127.0.0.1:8080 exists only inside the pod's network namespace, not the node's.
listening() { k exec web -- sh -c 'busybox netstat -ltn | grep -q ":8080 "'; }
wait_for "httpd listens in the pod" 30 listening
if "${IN_NS[@]}" curl -s -m 2 -o /dev/null http://127.0.0.1:8080/; then
  fail "port 8080 is not the node's" "the node answers on 127.0.0.1:8080"
else
  pass "port 8080 is not the node's"
fi

# ---------------------------------------------------------------- exec over SPDY (1.27)
use_kubectl 1.27
got=$(k exec web -- sh -c 'echo hi; exit 3' 2>"$TMP/exec.err")
rc=$?
if [[ $got == hi && $rc == 3 ]]; then pass "1.27 exec prints and exits with the command's code"; else fail "1.27 exec prints and exits with the command's code" "rc $rc, out '$got', err '$(cat "$TMP/exec.err")'"; fi
expect "1.27 exec exit 0" "ok" k exec web -- sh -c 'echo ok'
got=$(k exec web -- sh -c 'echo to-err >&2' 2>&1 >/dev/null)
contains "1.27 exec stderr" "$got" "to-err"
got=$(printf 'hello\nworld\n' | timeout 30 "${IN_NS[@]}" "$K" exec -i web -- sh -c 'cat; echo done' 2>&1)
expect "1.27 exec -i passes stdin and its end" "$(printf 'hello\nworld\ndone')" printf '%s' "$got"
got=$(head -c 300000 /dev/zero | tr '\0' 'x' | timeout 30 "${IN_NS[@]}" "$K" exec -i web -- busybox wc -c 2>&1)
expect "1.27 exec -i with 300 kB of input" "300000" printf '%s' "${got// /}"
got=$(timeout 30 "${IN_NS[@]}" "$K" exec web -- sh -c 'busybox head -c 1000000 /dev/zero' 2>&1 | wc -c)
expect "1.27 exec with 1 MB of output" "1000000" printf '%s' "${got// /}"
got=$(printf 'tty; stty size; exit 4\n' | timeout 30 script -qec "${IN_NS[*]} $K exec -it web -- sh" /dev/null; echo "rc=$?")
if [[ $got == *"/dev/pts/"* && $got == *"rc=4" ]]; then pass "1.27 exec -it gets a terminal"; else fail "1.27 exec -it gets a terminal" "${got:0:400}"; fi
expect_error "1.27 exec of a missing command" "" k exec web -- /no/such/command
expect_error "1.27 exec in a missing container" "container nope is not valid for pod web" k exec web -c nope -- true
if grep -q "exec in pod default/web container httpd: .*(v4.channel.k8s.io)" "$TMP/server.log"; then
  pass "1.27 exec went over SPDY with v4.channel.k8s.io"
else
  fail "1.27 exec went over SPDY with v4.channel.k8s.io" "$(grep 'exec in pod' "$TMP/server.log" | tail -3)"
fi

# ---------------------------------------------------------------- cp (tar over exec)
head -c 200000 /dev/urandom >"$TMP/upload.bin"
if k cp "$TMP/upload.bin" default/web:/tmp/upload.bin >"$TMP/cp.out" 2>&1; then
  want=$(sha256sum <"$TMP/upload.bin" | cut -d' ' -f1)
  got=$(k exec web -- busybox sha256sum /tmp/upload.bin 2>&1 | cut -d' ' -f1)
  expect "1.27 cp to the pod" "$want" printf '%s' "$got"
else
  fail "1.27 cp to the pod" "$(cat "$TMP/cp.out")"
fi
if k cp default/web:/srv/index.html "$TMP/index.html" >"$TMP/cp.out" 2>&1; then
  expect "1.27 cp from the pod" "hello-from-web" cat "$TMP/index.html"
else
  fail "1.27 cp from the pod" "$(cat "$TMP/cp.out")"
fi
if k cp default/web:/tmp/upload.bin "$TMP/roundtrip.bin" >"$TMP/cp.out" 2>&1 && cmp -s "$TMP/upload.bin" "$TMP/roundtrip.bin"; then
  pass "1.27 cp of 200 kB of random bytes there and back"
else
  fail "1.27 cp of 200 kB of random bytes there and back" "$(cat "$TMP/cp.out")"
fi

# ---------------------------------------------------------------- port-forward
# forward VERSION LOCAL REMOTE: starts kubectl VERSION port-forward in the background
# (FWD_PID, its output in $TMP/fwd.log) and waits until it listens.
forward() {
  : >"$TMP/fwd.log"
  "${IN_NS[@]}" "$(kubectl_path "$1")" port-forward pod/web "$2:$3" >"$TMP/fwd.log" 2>&1 &
  FWD_PID=$!
  wait_until 30 grep -q "Forwarding from 127.0.0.1:$2" "$TMP/fwd.log"
}
stop_forward() {
  kill "$FWD_PID" 2>/dev/null
  wait "$FWD_PID" 2>/dev/null
}
fetch() { "${IN_NS[@]}" curl -s -m 10 "http://127.0.0.1:$1$2"; }

for version in 1.33 1.27; do
  use_kubectl "$version" || continue
  lport=$(free_port)
  if ! forward "$version" "$lport" 8080; then
    fail "$version port-forward listens" "$(cat "$TMP/fwd.log")"
    stop_forward
    continue
  fi
  pass "$version port-forward listens"
  expect "$version port-forward reaches httpd in the pod" "hello-from-web" fetch "$lport" /index.html
  expect "$version port-forward: a second connection" "hello-from-web" fetch "$lport" /index.html
  got=$(fetch "$lport" /big | wc -c)
  expect "$version port-forward carries 1 MB" "1000000" printf '%s' "${got// /}"
  # Several connections at once.
  for i in 1 2 3; do fetch "$lport" /index.html >"$TMP/par.$i" & done
  wait_until 20 bash -c "grep -q hello-from-web '$TMP/par.1' && grep -q hello-from-web '$TMP/par.2' && grep -q hello-from-web '$TMP/par.3'"
  if grep -q hello-from-web "$TMP/par.1" && grep -q hello-from-web "$TMP/par.2" && grep -q hello-from-web "$TMP/par.3"; then
    pass "$version port-forward: three connections at once"
  else
    fail "$version port-forward: three connections at once" "$(cat "$TMP"/par.*)"
  fi
  stop_forward

  # A port nobody listens on in the pod: the connection fails with upstream's message.
  lport=$(free_port)
  if forward "$version" "$lport" 9999; then
    fetch "$lport" / >/dev/null
    if wait_until 20 grep -q "connection refused" "$TMP/fwd.log"; then
      contains "$version port-forward to a closed port says why" "$(cat "$TMP/fwd.log")" "error forwarding port 9999 to pod default/web"
    else
      fail "$version port-forward to a closed port says why" "$(cat "$TMP/fwd.log")"
    fi
  else
    fail "$version port-forward to a closed port says why" "did not listen: $(cat "$TMP/fwd.log")"
  fi
  stop_forward
done
use_kubectl 1.33
if grep -q "port-forward to pod default/web (SPDY/3.1+portforward.k8s.io)" "$TMP/server.log"; then
  pass "1.33 port-forward tunnels SPDY in WebSocket"
else
  fail "1.33 port-forward tunnels SPDY in WebSocket" "$(grep 'port-forward to pod' "$TMP/server.log" | tail -3)"
fi
if grep -q "port-forward to pod default/web (portforward.k8s.io)" "$TMP/server.log"; then
  pass "1.27 port-forward speaks SPDY"
else
  fail "1.27 port-forward speaks SPDY" "$(grep 'port-forward to pod' "$TMP/server.log" | tail -3)"
fi
expect_error "port-forward to a missing pod" 'pods "ghost" not found' k port-forward pod/ghost 18080:80

# The Python client's port-forward: WebSocket channels (v4.channel.k8s.io, ?ports=).
cat >"$TMP/py_pf.py" <<'PY'
import sys
from kubernetes import client, config
from kubernetes.stream import portforward
config.load_kube_config(sys.argv[1])
v1 = client.CoreV1Api()
pf = portforward(v1.connect_get_namespaced_pod_portforward, "web", "default", ports="8080")
s = pf.socket(8080)
s.setblocking(True)
s.settimeout(10)
s.sendall(b"GET /index.html HTTP/1.0\r\n\r\n")
data = b""
while True:
    chunk = s.recv(4096)
    if not chunk:
        break
    data += chunk
s.close()
print("BODY:" + data.decode().split("\r\n\r\n", 1)[-1].strip())
PY
got=$(timeout 60 "${IN_NS[@]}" /usr/bin/python3 "$TMP/py_pf.py" "$KUBECONFIG" 2>&1)
contains "python client port-forward (WebSocket channels)" "$got" "BODY:hello-from-web"

# ---------------------------------------------------------------- nodes/proxy
expect "nodes/proxy reaches the kubelet" "ok" k get --raw /api/v1/nodes/stream-test/proxy/healthz
expect_error "nodes/proxy of a missing node" 'nodes "ghost" not found' k get --raw /api/v1/nodes/ghost/proxy/healthz
discovery=$(k get --raw /api/v1)
contains "discovery lists pods/portforward" "$discovery" '"name":"pods/portforward"'
contains "discovery lists nodes/proxy" "$discovery" '"name":"nodes/proxy"'

k delete pod --all --grace-period=0 >/dev/null 2>&1
[[ -n ${KEEP_SERVER_LOG:-} ]] && cp "$TMP/server.log" "$KEEP_SERVER_LOG"
finish
