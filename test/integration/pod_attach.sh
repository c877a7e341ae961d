#!/usr/bin/env bash
# kubectl attach (1.33, WebSocket v5.channel.k8s.io) through the API server and the node's
# kubelet to the container's shim: live output (nothing replayed), detaching leaves the
# container running, -i to a stdin container (input reaches it; without stdinOnce the input
# survives a detach; with stdinOnce its end closes the container's input), a TTY container,
# `kubectl run -i --rm`, -i to a container without stdin (input ignored, output streams, as
# upstream), upstream's errors; `sampan ctr attach` on the runtime alone. The server runs in a
# network namespace of its own. Ends with "N passed, N failed".
set -uo pipefail
source "$(dirname "$0")/lib/common.sh"

start_node --node-name attach-test --node-ip 127.0.0.1 --log-level "${LOG_LEVEL:-info}"

# kattach OUT ARGS...: `kubectl ARGS...` in the background with this stdin, output (both
# streams) to OUT; sets ATTACH_PID.
kattach() {
  local out=$1
  shift
  : >"$out"
  # An explicit stdin: a background command of a script would get /dev/null otherwise.
  k "$@" <&0 >"$out" 2>&1 &
  ATTACH_PID=$!
}
# ended PID: the background command is over.
ended() { ! kill -0 "$1" 2>/dev/null; }
# exit_code_of PID: waits for a command that ended and prints its code.
exit_code_of() {
  wait "$1" 2>/dev/null
  echo $?
}
log_has() { k logs "$1" 2>/dev/null | grep -q "$2"; }
file_has() { grep -q "$2" "$1" 2>/dev/null; }

k apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: ticker}
spec:
  hostNetwork: true
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: busybox:fixture
    command: ["sh", "-c", "i=0; while [ ! -f /tmp/stop ]; do i=$((i+1)); echo tick-$i; echo err-$i >&2; busybox sleep 0.1; done; echo ticker-done"]
---
apiVersion: v1
kind: Pod
metadata: {name: catter}
spec:
  hostNetwork: true
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  containers:
  - {name: main, image: busybox:fixture, stdin: true, command: ["busybox", "cat"]}
---
apiVersion: v1
kind: Pod
metadata: {name: once}
spec:
  hostNetwork: true
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  containers:
  - {name: main, image: busybox:fixture, stdin: true, stdinOnce: true, command: ["sh", "-c", "cat; echo cat-done"]}
---
apiVersion: v1
kind: Pod
metadata: {name: pyecho}
spec:
  hostNetwork: true
  terminationGracePeriodSeconds: 1
  containers:
  - {name: main, image: busybox:fixture, stdin: true, command: ["sh", "-c", "while read l; do echo py-got-$l; done"]}
---
apiVersion: v1
kind: Pod
metadata: {name: terminal}
spec:
  hostNetwork: true
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  containers:
  - {name: main, image: busybox:fixture, stdin: true, tty: true, command: ["sh"]}
YAML
for pod in ticker catter once pyecho terminal; do
  wait_for "$pod runs" 60 phase_is "$pod" Running
done
contains "discovery lists pods/attach" "$(k get --raw /api/v1)" '"name":"pods/attach"'

# Live output: what the container writes after the attach, not its log replayed.
wait_for "ticker has written some lines" 20 log_has ticker tick-3
kattach "$TMP/a1.out" attach ticker
wait_for "attach shows new output" 20 file_has "$TMP/a1.out" "tick-"
first=$(grep -o 'tick-[0-9]*' "$TMP/a1.out" | head -1)
if [[ ${first#tick-} -gt 3 ]]; then pass "attach starts with new lines ($first)"; else fail "attach starts with new lines" "first line $first"; fi
contains "attach carries stderr too" "$(cat "$TMP/a1.out")" "err-"
kill "$ATTACH_PID" 2>/dev/null
wait "$ATTACH_PID" 2>/dev/null
last=$(k logs ticker --tail=1 | grep -o '[0-9]*')
more_ticks() { [[ $(k logs ticker --tail=1 | grep -o '[0-9]*') -gt $last ]]; }
wait_for "detaching leaves the container running" 20 more_ticks

# -i to a container without stdin: input is ignored, output streams, the attach ends with the
# container (exit 0), as upstream (containerd drops the input).
kattach "$TMP/a2.out" attach -i ticker < <(echo ignored-input)
wait_for "attach -i without stdin streams output" 20 file_has "$TMP/a2.out" "tick-"
contains "attach -i prints upstream's prompt hint" "$(cat "$TMP/a2.out")" "If you don't see a command prompt, try pressing enter."
check "stop the ticker" k exec ticker -- busybox touch /tmp/stop
wait_for "the attach ends with the container" 30 ended "$ATTACH_PID"
attach_ok() { ended "$ATTACH_PID" && [[ $(exit_code_of "$ATTACH_PID") == 0 ]]; }
if attach_ok; then pass "attach exits 0 when the container ends"; else fail "attach exits 0 when the container ends" "$(tail -3 "$TMP/a2.out")"; fi
contains "attach shows the container's last line" "$(cat "$TMP/a2.out")" "ticker-done"
wait_for "ticker succeeded" 30 phase_is ticker Succeeded
got=$(k attach ticker 2>&1)
contains "attach to a completed pod: upstream's error" "$got" "cannot attach a container in a completed pod; current phase is Succeeded"
got=$(k attach catter -c nope 2>&1)
contains "attach to a missing container: upstream's error" "$got" 'container nope not found in pod catter'

# stdin without stdinOnce: a first attach's input reaches cat; neither a detach nor the end
# of an attacher's input closes the container's input, so a second attach still talks to
# the same cat.
mkfifo "$TMP/in1"
exec 7<>"$TMP/in1" # a writer first (read-write: does not block), so that kubectl's open does not
kattach "$TMP/s1.out" attach -i catter <"$TMP/in1"
echo first-line >&7
wait_for "attach -i: input reaches the container, output comes back" 20 file_has "$TMP/s1.out" first-line
kill "$ATTACH_PID" 2>/dev/null
wait "$ATTACH_PID" 2>/dev/null
exec 7>&-
check "after a detach the container still runs" phase_is catter Running
kattach "$TMP/s2.out" attach -i catter < <(echo second-line)
wait_for "a second attach -i reaches the same cat" 20 file_has "$TMP/s2.out" second-line
check "the end of an attacher's input does not end the container's" phase_is catter Running
kill "$ATTACH_PID" 2>/dev/null
wait "$ATTACH_PID" 2>/dev/null
kattach "$TMP/s3.out" attach -i catter < <(echo third-line)
wait_for "and a third attach still reaches it" 20 file_has "$TMP/s3.out" third-line
kill "$ATTACH_PID" 2>/dev/null
wait "$ATTACH_PID" 2>/dev/null

# stdinOnce: the end of the first attach's input closes the container's input (cat ends).
got=$(printf 'hello\nworld\n' | timeout 60 "${IN_NS[@]}" "$K" attach -i once 2>&1)
rc=$?
contains "attach -i with stdinOnce: input echoed" "$got" "$(printf 'hello\nworld')"
contains "stdinOnce: the input's end reaches the container" "$got" "cat-done"
if [[ $rc == 0 ]]; then pass "attach -i exits 0"; else fail "attach -i exits 0" "rc $rc"; fi
wait_for "stdinOnce pod succeeded" 30 phase_is once Succeeded

# A TTY container: kubectl uses a terminal stream (forced by the container's tty); the pty
# echoes the input and runs it.
got=$(printf 'echo tty-$((6*7))\nexit\n' | timeout 60 "${IN_NS[@]}" "$K" attach -i terminal 2>&1)
contains "attach to a TTY container runs the input" "$got" "tty-42"
wait_for "tty pod succeeded" 30 phase_is terminal Succeeded

# kubectl run -i --rm --restart=Never: attach right after the start, exit code, pod removed.
got=$(printf 'hi\n' | timeout 90 "${IN_NS[@]}" "$K" run runner -i --rm --restart=Never \
  --image=busybox:fixture --overrides='{"spec":{"hostNetwork":true}}' -- sh -c 'read x; echo got-$x' 2>&1)
rc=$?
contains "run -i --rm: the output" "$got" "got-hi"
if [[ $rc == 0 ]]; then pass "run -i --rm exits 0"; else fail "run -i --rm exits 0" "rc $rc: $got"; fi
gone_pod() { ! k get pod runner >/dev/null 2>&1; }
wait_for "run --rm deletes the pod" 30 gone_pod
got=$(printf '' | timeout 90 "${IN_NS[@]}" "$K" run failer -i --rm --restart=Never \
  --image=busybox:fixture --overrides='{"spec":{"hostNetwork":true}}' -- sh -c 'echo failing; exit 3' 2>&1)
rc=$?
if [[ $rc == 3 ]]; then pass "run -i --rm passes the exit code on"; else fail "run -i --rm passes the exit code on" "rc $rc: $got"; fi

# The Python client's stream() attach (WebSocket, v4.channel.k8s.io): input and output.
cat >"$TMP/py_attach.py" <<'PY'
import sys, time
from kubernetes import client, config
from kubernetes.stream import stream
config.load_kube_config(sys.argv[1])
v1 = client.CoreV1Api()
resp = stream(v1.connect_get_namespaced_pod_attach, "pyecho", "default", stdin=True,
              stdout=True, stderr=True, tty=False, _preload_content=False)
resp.write_stdin("one\n")
out, deadline = "", time.time() + 30
while resp.is_open() and "py-got-one" not in out and time.time() < deadline:
    resp.update(timeout=1)
    out += resp.read_stdout() or ""
print("OUT:" + repr(out))
resp.close()
PY
got=$(timeout 60 "${IN_NS[@]}" /usr/bin/python3 "$TMP/py_attach.py" "$KUBECONFIG" 2>&1)
contains "python client attach: input in, output out" "$got" "OUT:'py-got-one\n'"
check "the python client's detach leaves the pod running" phase_is pyecho Running

# The runtime alone: `sampan ctr run -d -i` keeps an input for `sampan ctr attach -i`.
ctr() { SAMPAN_DATA_DIR=$TMP/data SAMPAN_CGROUP_ROOT=$CGROUP_ROOT/ctr timeout 30 "$BIN" ctr "$@"; }
cid=$(ctr run -d -i busybox:fixture sh -c 'read line; echo ctr-got-$line' 2>&1)
if [[ $cid =~ ^[0-9a-f]+$ ]]; then
  got=$(echo payload | ctr attach -i "$cid" 2>&1)
  contains "ctr attach -i" "$got" "ctr-got-payload"
  ctr rm "$cid" >/dev/null 2>&1
else
  fail "ctr run -d -i" "$cid"
fi

check "delete the pods" k delete pods --all --grace-period=1 --timeout=60s
wait_for "no shims left" 30 no_shims
finish
