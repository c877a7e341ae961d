#!/usr/bin/env bash
# kubectl logs and exec through the API server and the node's kubelet API (HTTPS, client
# certificates), with kubectl 1.33 and 1.27: logs, -f of a finishing pod, --tail, --since,
# --timestamps, --previous after a crash, -c of an init container, upstream's errors; the
# kubelet port refuses clients without a certificate or with one outside system:masters;
# exec output, exit codes, stdin and a terminal (kubectl 1.33 and the Python client over
# WebSocket; kubectl 1.27's SPDY is covered by pod_stream.sh). The server runs in a network
# namespace of its own. Ends with "N passed, N failed".
set -uo pipefail
source "$(dirname "$0")/lib/common.sh"

KPORT=$((32000 + RANDOM % 700)) # apart from free_port's range (the API server's)
start_node --node-name logs-test --node-ip 127.0.0.1 --kubelet-port "$KPORT" \
  --log-level "${LOG_LEVEL:-info}"


k apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: talker}
spec:
  hostNetwork: true
  terminationGracePeriodSeconds: 1
  containers:
  - {name: main, image: busybox:fixture, command: ["sh", "-c", "for i in 1 2 3 4 5; do echo line$i; done; echo oops >&2; exec sleep 3600"]}
---
apiVersion: v1
kind: Pod
metadata: {name: crasher}
spec:
  hostNetwork: true
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: busybox:fixture
    command: ["sh", "-c", "n=$(cat /data/n 2>/dev/null || echo 0); n=$((n+1)); echo $n > /data/n; echo run$n; exit 1"]
    volumeMounts: [{name: data, mountPath: /data}]
  volumes: [{name: data, emptyDir: {}}]
---
apiVersion: v1
kind: Pod
metadata: {name: inited}
spec:
  hostNetwork: true
  terminationGracePeriodSeconds: 1
  initContainers:
  - {name: setup, image: busybox:fixture, command: ["sh", "-c", "echo init-ran"]}
  containers:
  - {name: app, image: busybox:fixture, command: ["sh", "-c", "echo app-ran; exec sleep 3600"]}
  - {name: side, image: busybox:fixture, command: ["sh", "-c", "echo side-ran; exec sleep 3600"]}
---
apiVersion: v1
kind: Pod
metadata: {name: nowhere}
spec:
  hostNetwork: true
  containers:
  - {name: main, image: "127.0.0.1:9/missing/image:1"}
YAML

wait_for "talker runs" 60 field_is talker '{.status.phase}' Running
wait_for "inited runs" 60 field_is inited '{.status.phase}' Running
wait_for "crasher restarted once" 60 field_at_least crasher '{.status.containerStatuses[0].restartCount}' 1
image_failed() { [[ $(k get pod nowhere -o jsonpath='{.status.containerStatuses[0].state.waiting.reason}' 2>/dev/null) == *Image* ]]; }
wait_for "nowhere waits" 60 image_failed
has_lines() { [[ $(k logs talker 2>&1 | grep -c '^line') == 5 ]]; }
wait_for "talker wrote its lines" 20 has_lines

# The node advertises the kubelet port it serves on.
expect "node reports the kubelet port" "$KPORT" k get node logs-test -o jsonpath='{.status.daemonEndpoints.kubeletEndpoint.Port}'

for version in 1.33 1.27; do
  use_kubectl "$version" || continue
  expect "$version logs" "$(printf 'line1\nline2\nline3\nline4\nline5\noops')" k logs talker
  expect "$version logs --tail=2" "$(printf 'line5\noops')" k logs talker --tail=2
  expect "$version logs -c of an init container" "init-ran" k logs inited -c setup
  expect "$version logs -c of an app container" "side-ran" k logs inited -c side
  expect "$version logs --since" "$(printf 'line1\nline2\nline3\nline4\nline5\noops')" k logs talker --since=1h
  got=$(k logs talker --timestamps --tail=1 2>&1)
  if [[ $got =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z\ oops$ ]]; then pass "$version logs --timestamps"; else fail "$version logs --timestamps" "$got"; fi
  expect "$version logs --limit-bytes" "line1" k logs talker --limit-bytes=5
  # --previous: the run before the newest (the count may move on between the two reads).
  cur=$(k logs crasher 2>&1)
  prev=$(k logs crasher --previous 2>&1)
  if [[ $cur =~ ^run([0-9]+)$ ]] && n=${BASH_REMATCH[1]} && [[ $prev == "run$((n - 1))" || $prev == "run$n" ]] && [[ $prev != "$cur" || $n -gt 1 ]]; then
    pass "$version logs --previous after a crash"
  else
    fail "$version logs --previous after a crash" "current '$cur', previous '$prev'"
  fi
  expect_error "$version logs --previous without one" \
    'previous terminated container "main" in pod "talker" not found' k logs talker --previous
  expect_error "$version logs of a waiting container" \
    'container "main" in pod "nowhere" is waiting to start: ' k logs nowhere
  expect_error "$version logs of a missing pod" 'pods "ghost" not found' k logs ghost
  expect_error "$version logs of a missing container" 'container nope is not valid for pod talker' k logs talker -c nope
done
use_kubectl 1.33

# Without a container name, a pod of several containers is an error at the API.
expect_error "several containers need a name" \
  'a container name must be specified for pod inited, choose one of: [app side] or one of the init containers: [setup]' \
  k get --raw /api/v1/namespaces/default/pods/inited/log
contains "discovery lists pods/log" "$(k get --raw /api/v1)" '"name":"pods/log"'

# logs -f of a pod that finishes: every line, and the command ends when the container exits.
for version in 1.33 1.27; do
  use_kubectl "$version" || continue
  pod=finisher-${version/./-}
  k apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $pod}
spec:
  hostNetwork: true
  restartPolicy: Never
  containers:
  - {name: main, image: busybox:fixture, command: ["sh", "-c", "for i in 1 2 3 4 5 6; do echo tick\$i; sleep 0.5; done"]}
YAML
  wait_for "$version $pod started" 60 field_is "$pod" '{.status.phase}' Running
  got=$(timeout 60 "${IN_NS[@]}" "$K" logs -f "$pod" 2>&1)
  rc=$?
  if [[ $rc == 0 && $got == "$(printf 'tick1\ntick2\ntick3\ntick4\ntick5\ntick6')" ]]; then
    pass "$version logs -f ends when the container exits"
  else
    fail "$version logs -f ends when the container exits" "rc $rc: $got"
  fi
done
use_kubectl 1.33

# logs -f streams as lines are written: the first line shows before the container ends.
k apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: slow}
spec:
  hostNetwork: true
  restartPolicy: Never
  containers:
  - {name: main, image: busybox:fixture, command: ["sh", "-c", "echo first; sleep 20; echo second"]}
YAML
wait_for "slow runs" 60 field_is slow '{.status.phase}' Running
: >"$TMP/follow.out"
k logs -f slow >"$TMP/follow.out" 2>&1 &
follow_pid=$!
if wait_until 15 grep -q first "$TMP/follow.out"; then
  if grep -q second "$TMP/follow.out"; then fail "logs -f flushes as it goes" "already ended"; else pass "logs -f flushes as it goes"; fi
else
  fail "logs -f flushes as it goes" "$(cat "$TMP/follow.out")"
fi
kill "$follow_pid" 2>/dev/null
wait "$follow_pid" 2>/dev/null

# The kubelet API: TLS with client certificates; only the API server and system:masters.
TLS=$TMP/data/server/tls
kcurl() { "${IN_NS[@]}" curl -s --cacert "$TLS/server-ca.crt" -o /dev/null -w '%{http_code}' "$@" "https://127.0.0.1:$KPORT/healthz"; }
expect "kubelet API without a client certificate: 401" 401 kcurl
expect "kubelet API as the API server: 200" 200 kcurl --cert "$TLS/client-kube-apiserver.crt" --key "$TLS/client-kube-apiserver.key"
expect "kubelet API as an admin: 200" 200 kcurl --cert "$TLS/client-admin.crt" --key "$TLS/client-admin.key"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=jane/O=devs" \
  -keyout "$TMP/jane.key" -out "$TMP/jane.csr" 2>/dev/null
printf 'extendedKeyUsage=clientAuth\n' >"$TMP/jane.ext"
openssl x509 -req -in "$TMP/jane.csr" -CA "$TLS/client-ca.crt" -CAkey "$TLS/client-ca.key" \
  -CAcreateserial -days 1 -extfile "$TMP/jane.ext" -out "$TMP/jane.crt" 2>/dev/null
expect "kubelet API as another user: 403" 403 kcurl --cert "$TMP/jane.crt" --key "$TMP/jane.key"
cert_sans=$(openssl x509 -in "$TMP/data/agent/serving-kubelet.crt" -noout -text)
contains "kubelet serving certificate names 127.0.0.1" "$cert_sans" "IP Address:127.0.0.1"
check "kubelet serving certificate signed by the server CA" openssl verify -CAfile "$TLS/server-ca.crt" "$TMP/data/agent/serving-kubelet.crt"

# exec (kubectl 1.33: WebSocket, v5.channel.k8s.io).
use_kubectl 1.33
got=$(k exec talker -- sh -c 'echo hi; exit 3' 2>"$TMP/exec.err")
rc=$?
if [[ $got == hi && $rc == 3 ]]; then pass "exec prints and exits with the command's code"; else fail "exec prints and exits with the command's code" "rc $rc, out '$got', err '$(cat "$TMP/exec.err")'"; fi
expect "exec exit 0" "ok" k exec talker -- sh -c 'echo ok'
got=$(k exec talker -- sh -c 'echo to-err >&2' 2>&1 >/dev/null)
contains "exec stderr" "$got" "to-err"
got=$(printf 'hello\nworld\n' | timeout 30 "${IN_NS[@]}" "$K" exec -i talker -- sh -c 'cat; echo done' 2>&1)
expect "exec -i passes stdin and its end" "$(printf 'hello\nworld\ndone')" printf '%s' "$got"
got=$(head -c 300000 /dev/zero | tr '\0' 'x' | timeout 30 "${IN_NS[@]}" "$K" exec -i talker -- busybox wc -c 2>&1)
expect "exec -i with 300 kB of input" "300000" printf '%s' "${got// /}"
got=$(timeout 30 "${IN_NS[@]}" "$K" exec talker -- sh -c 'busybox head -c 1000000 /dev/zero' 2>&1 | wc -c)
expect "exec with 1 MB of output" "1000000" printf '%s' "${got// /}"
# -it: a terminal in the container (script(1) gives kubectl one), its exit code.
got=$(printf 'tty; exit 4\n' | timeout 30 script -qec "${IN_NS[*]} $K exec -it talker -- sh" /dev/null; echo "rc=$?")
if [[ $got == *"/dev/pts/"* && $got == *"rc=4" ]]; then pass "exec -it gets a terminal"; else fail "exec -it gets a terminal" "${got:0:400}"; fi
expect_error "exec in a missing container" "container nope is not valid for pod talker" k exec talker -c nope -- true
expect_error "exec in a container that does not run" 'container not found ("main")' k exec nowhere -- true
expect_error "exec of a missing command" "" k exec talker -- /no/such/command
expect_error "exec in a completed pod" "cannot exec into a container in a completed pod; current phase is Succeeded" k exec finisher-1-33 -- true
expect_error "exec without rights is forbidden" "is forbidden: User \"jane\"" k exec talker --as=jane -- true
# The Python client's stream() exec (WebSocket, v4.channel.k8s.io).
cat >"$TMP/py_exec.py" <<'PY'
import sys
from kubernetes import client, config
from kubernetes.stream import stream
config.load_kube_config(sys.argv[1])
v1 = client.CoreV1Api()
out = stream(v1.connect_get_namespaced_pod_exec, "talker", "default",
             command=["sh", "-c", "echo py-hi; echo py-err >&2"], stderr=True, stdin=False,
             stdout=True, tty=False)
print("OUT:" + repr(out))
resp = stream(v1.connect_get_namespaced_pod_exec, "talker", "default",
              command=["sh", "-c", "exit 5"], stderr=True, stdin=False, stdout=True, tty=False,
              _preload_content=False)
resp.run_forever(timeout=10)
print("RC:", resp.returncode)
PY
got=$(timeout 60 "${IN_NS[@]}" /usr/bin/python3 "$TMP/py_exec.py" "$KUBECONFIG" 2>&1)
contains "python client exec output" "$got" "OUT:'py-hi\npy-err\n'"
contains "python client exec exit code" "$got" "RC: 5"
use_kubectl 1.27 && expect "1.27 exec (SPDY)" "spdy-ok" k exec talker -- sh -c 'echo spdy-ok'
use_kubectl 1.33



k delete pod --all --grace-period=0 >/dev/null 2>&1
# KEEP_SERVER_LOG=FILE keeps the server's log for a look after a failure.
[[ -n ${KEEP_SERVER_LOG:-} ]] && cp "$TMP/server.log" "$KEEP_SERVER_LOG"
finish
