#!/usr/bin/env bash
# `sampan kubectl` with running pods: logs (-c, --tail, -f of a finished container,
# --previous errors), exec (stdout, stderr, exit codes, stdin with -i), wait for Ready,
# describe pod/node against kubectl 1.33, attach, port-forward (pods and services), cp both
# ways.
# Needs root (a one-node cluster in namespaces of its own). Ends with "N passed, N failed".
set -uo pipefail
source "$(dirname "$0")/lib/common.sh"

start_node --node-name kbuiltin --node-ip 127.0.0.1
sk() { "${IN_NS[@]}" "$BIN" kubectl "$@"; }
cat >"$TMP/pod.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: talk}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: busybox:fixture
    command: ["sh", "-c", "for i in 1 2 3 4 5; do echo line $i; done; exec busybox sleep 3600"]
YAML
expect "create the pod" "pod/talk created" sk create -f "$TMP/pod.yaml"
expect "wait for Ready" "pod/talk condition met" sk wait --for=condition=Ready pod/talk --timeout=60s
expect "logs" "$(printf 'line 1\nline 2\nline 3\nline 4\nline 5')" sk logs talk
expect "logs --tail 2 -c main" "$(printf 'line 4\nline 5')" sk logs talk --tail 2 -c main
expect_error "logs --previous without a previous run" 'previous terminated container "main" in pod "talk" not found' sk logs talk --previous
expect "exec stdout" "hello" sk exec talk -- busybox echo hello
out=$(sk exec talk -- sh -c 'echo oops >&2' 2>&1 >/dev/null)
contains "exec stderr" "$out" "oops"
sk exec talk -- sh -c 'exit 7' >/dev/null 2>&1
rc=$?
[[ $rc == 7 ]] && pass "exec exit code" || fail "exec exit code" "rc $rc"
expect_error "exec exit message" "command terminated with exit code 7" sk exec talk -- sh -c 'exit 7'
expect "exec -i: stdin reaches the command" "3" sh -c "printf 'a\nb\nc\n' | ${IN_NS[*]} '$BIN' kubectl exec -i talk -- busybox wc -l"
expect_error "exec in a missing pod" 'Error from server (NotFound): pods "nope" not found' sk exec nope -- true
cat >"$TMP/done.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: short}
spec:
  restartPolicy: Never
  containers:
  - {name: main, image: busybox:fixture, command: ["sh", "-c", "echo bye"]}
YAML
check "create a short pod" sk create -f "$TMP/done.yaml"
wait_for "it completes" 60 phase_is short Succeeded
expect "logs -f returns at the end" "bye" timeout 20 "${IN_NS[@]}" "$BIN" kubectl logs -f short
top_node() { sk top node 2>/dev/null | grep -qE '^kbuiltin +[0-9]+m +[0-9]+% +[0-9]+Mi +[0-9]+%$'; }
wait_for "top node" 30 top_node
top_pod() { sk top pod 2>/dev/null | grep -qE '^talk +[0-9]+m +[0-9]+Mi$'; }
wait_for "top pod" 30 top_pod
# describe: kubectl 1.33's Pod and Node describers, compared with its own output (ages
# aside). A pod with most of what the Pod describer prints: init container, env of every
# kind, envFrom, resources, probes, mounts, volumes, tolerations, node selector.
k create cm cfg --from-literal=k=v >/dev/null
k create secret generic sec --from-literal=k=v >/dev/null
k apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: rich
  labels: {app: rich, tier: web}
  annotations: {note: hello, long: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}
spec:
  terminationGracePeriodSeconds: 1
  nodeSelector: {kubernetes.io/os: linux}
  tolerations:
  - {key: k1, operator: Equal, value: v1, effect: NoSchedule}
  - {operator: Exists}
  - {key: k2, operator: Exists, effect: NoExecute, tolerationSeconds: 30}
  volumes:
  - {name: scratch, emptyDir: {}}
  - {name: conf, configMap: {name: cfg}}
  - {name: s, secret: {secretName: sec, optional: true}}
  - {name: host, hostPath: {path: /tmp, type: Directory}}
  - name: dapi
    downwardAPI:
      items: [{path: labels, fieldRef: {fieldPath: metadata.labels}}]
  initContainers:
  - {name: init, image: busybox:fixture, command: ["sh", "-c", "true"]}
  containers:
  - name: main
    image: busybox:fixture
    command: ["sh", "-c", "exec busybox sleep 3600"]
    args: ["x", "multi\nline"]
    ports: [{containerPort: 8080}, {containerPort: 53, protocol: UDP}]
    env:
    - {name: A, value: "1"}
    - {name: ML, value: "l1\nl2"}
    - {name: POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
    - {name: NODE, valueFrom: {fieldRef: {apiVersion: v1, fieldPath: spec.nodeName}}}
    - {name: LIM, valueFrom: {resourceFieldRef: {resource: limits.memory}}}
    - {name: CPU, valueFrom: {resourceFieldRef: {resource: requests.cpu, divisor: 1m}}}
    - {name: S, valueFrom: {secretKeyRef: {name: sec, key: k}}}
    - {name: C, valueFrom: {configMapKeyRef: {name: cfg, key: k, optional: true}}}
    envFrom:
    - configMapRef: {name: cfg}
    - {prefix: P_, secretRef: {name: sec}}
    resources:
      requests: {cpu: 100m, memory: 32Mi}
      limits: {memory: 64Mi}
    readinessProbe: {exec: {command: ["sh", "-c", "true"]}, periodSeconds: 2}
    livenessProbe: {tcpSocket: {port: 8080}, initialDelaySeconds: 300}
    volumeMounts:
    - {name: scratch, mountPath: /scratch}
    - {name: conf, mountPath: /etc/conf, readOnly: true}
    - {name: host, mountPath: /host, subPath: sub}
  - name: side
    image: busybox:fixture
    command: ["busybox", "sleep", "3600"]
    readinessProbe: {httpGet: {path: /healthz, port: 8080}, initialDelaySeconds: 300}
YAML
wait_for "the rich pod runs" 60 phase_is rich Running
ages() { sed -E 's/[0-9]+[smhd]([0-9]+[smh])?( \(x[0-9]+ over [0-9]+[smhd]([0-9]+[smh])?\))?( +|$)/AGE\4/g'; }
# same_describe NAME ARGS...: ours equals kubectl's (statuses settle, so retried until then).
same_describe() {
  local name=$1
  shift
  describe_matches() {
    ours=$(sk describe "$@" 2>&1 | ages)
    theirs=$(k describe "$@" 2>&1 | ages)
    [[ -n $ours && $ours == "$theirs" ]]
  }
  if wait_until 30 describe_matches "$@"; then pass "$name"; else fail "$name" "$(diff <(echo "$ours") <(echo "$theirs") | head -30)"; fi
}
same_describe "describe pod: kubectl 1.33's layout, field by field" pod rich
same_describe "describe pod of a running single-container pod" pod talk
same_describe "describe node: kubectl 1.33's layout" node kbuiltin
out=$(sk describe pod rich 2>&1)
contains "describe pod: containers with their state" "$out" "    State:          Running"
contains "describe pod: events" "$(sk describe pod talk 2>&1)" "Started"
contains "describe node: the node's pods" "$(sk describe node kbuiltin 2>&1)" "Non-terminated Pods:"
same_describe "describe pods (every pod of the namespace)" pods
k delete pod rich --grace-period=0 >/dev/null 2>&1
# attach, port-forward and cp against a pod with a web server, and one reading its stdin.
k apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: httpd
    image: busybox:fixture
    ports: [{name: http, containerPort: 8080}]
    # cp runs `tar` by name: the fixture has only /bin/busybox and /bin/sh.
    command: ["sh", "-c", "busybox ln -s busybox /bin/tar && busybox ln -s busybox /bin/test && mkdir -p /srv/sub && echo hello-from-web > /srv/index.html && echo deep > /srv/sub/deep.txt && exec busybox httpd -f -p 8080 -h /srv"]
---
apiVersion: v1
kind: Pod
metadata: {name: catter}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: main, image: busybox:fixture, stdin: true, command: ["sh", "-c", "while read l; do echo got-$l; done"]}
---
apiVersion: v1
kind: Service
metadata: {name: websvc}
spec:
  selector: {}
  ports: [{name: web, port: 80, targetPort: http}]
YAML
k patch svc websvc --type merge -p '{"spec":{"selector":{"app":"web"}}}' >/dev/null
k label pod web app=web >/dev/null
wait_for "web runs" 60 phase_is web Running
wait_for "catter runs" 60 phase_is catter Running
listening() { k exec web -- sh -c 'busybox netstat -ltn | grep -q ":8080 "'; }
wait_for "httpd listens in the pod" 30 listening

# attach -i: input reaches the container's stdin, its output comes back; the attach ends
# when its input does not (the container keeps reading), so it is stopped.
mkfifo "$TMP/attach.in"
exec 7<>"$TMP/attach.in"
"${IN_NS[@]}" "$BIN" kubectl attach -i catter <"$TMP/attach.in" >"$TMP/attach.out" 2>&1 &
ATTACH_PID=$!
echo first >&7
file_has() { grep -q "$2" "$1" 2>/dev/null; }
wait_for "attach -i: input reaches the container, output comes back" 20 file_has "$TMP/attach.out" got-first
echo second >&7
wait_for "attach -i: a second line" 20 file_has "$TMP/attach.out" got-second
contains "attach prints kubectl's hint" "$(cat "$TMP/attach.out")" "If you don't see a command prompt, try pressing enter."
kill "$ATTACH_PID" 2>/dev/null
wait "$ATTACH_PID" 2>/dev/null
exec 7>&-
check "after a detach the container still runs" phase_is catter Running
expect_error "attach to a missing container" "error: cannot attach to the container: container nope not found in pod catter" sk attach catter -c nope
expect_error "attach to a missing pod" 'Error from server (NotFound): pods "ghost" not found' sk attach ghost
"${IN_NS[@]}" "$BIN" kubectl attach -t catter </dev/null >"$TMP/attach-t.out" 2>&1 &
ATTACH_PID=$!
if wait_until 20 file_has "$TMP/attach-t.out" "did not allocate one"; then
  contains "attach -t to a container without a TTY: kubectl's notice" "$(cat "$TMP/attach-t.out")" "error: Unable to use a TTY - container main did not allocate one"
else
  fail "attach -t to a container without a TTY: kubectl's notice" "$(cat "$TMP/attach-t.out")"
fi
kill "$ATTACH_PID" 2>/dev/null
wait "$ATTACH_PID" 2>/dev/null

# port-forward: each local connection goes to the pod's own 127.0.0.1:PORT.
# forward LOCAL TARGET PORTSPEC: starts it in the background (FWD_PID, output in $TMP/fwd.log).
forward() {
  : >"$TMP/fwd.log"
  "${IN_NS[@]}" "$BIN" kubectl port-forward "$2" "$3" >"$TMP/fwd.log" 2>&1 &
  FWD_PID=$!
  wait_until 30 grep -q "Forwarding from 127.0.0.1:$1 ->" "$TMP/fwd.log"
}
stop_forward() { kill "$FWD_PID" 2>/dev/null; wait "$FWD_PID" 2>/dev/null; }
fetch() { "${IN_NS[@]}" curl -s -m 10 "http://127.0.0.1:$1$2"; }
lport=$(free_port)
if forward "$lport" pod/web "$lport:8080"; then pass "port-forward listens"; else fail "port-forward listens" "$(cat "$TMP/fwd.log")"; fi
expect "port-forward prints kubectl's line" "Forwarding from 127.0.0.1:$lport -> 8080" head -1 "$TMP/fwd.log"
expect "port-forward reaches the pod's listener" "hello-from-web" fetch "$lport" /index.html
expect "port-forward: a second connection" "hello-from-web" fetch "$lport" /index.html
for i in 1 2 3; do fetch "$lport" /sub/deep.txt >"$TMP/par.$i" & done
all_deep() { grep -q deep "$TMP/par.1" && grep -q deep "$TMP/par.2" && grep -q deep "$TMP/par.3"; }
if wait_until 20 all_deep; then pass "port-forward: three connections at once"; else fail "port-forward: three connections at once" "$(cat "$TMP"/par.*)"; fi
contains "port-forward reports each connection" "$(cat "$TMP/fwd.log")" "Handling connection for $lport"
stop_forward
lport=$(free_port)
if forward "$lport" svc/websvc "$lport:80"; then
  expect "port-forward svc/NAME goes to the service's target port" "hello-from-web" fetch "$lport" /index.html
  contains "the service port maps to the pod's named port" "$(cat "$TMP/fwd.log")" "-> 8080"
else
  fail "port-forward svc/NAME goes to the service's target port" "$(cat "$TMP/fwd.log")"
fi
stop_forward
lport=$(free_port)
if forward "$lport" web "$lport:9999"; then
  fetch "$lport" / >/dev/null
  if wait_until 20 grep -q "connection refused" "$TMP/fwd.log"; then
    contains "port-forward to a closed port says why" "$(cat "$TMP/fwd.log")" "an error occurred forwarding $lport -> 9999"
  else
    fail "port-forward to a closed port says why" "$(cat "$TMP/fwd.log")"
  fi
else
  fail "port-forward to a closed port says why" "did not listen: $(cat "$TMP/fwd.log")"
fi
stop_forward
expect_error "port-forward to a missing pod" 'pods "ghost" not found' sk port-forward pod/ghost 18080:80

# cp both ways (tar through exec), checked with kubectl 1.33 and sha256.
head -c 200000 /dev/urandom >"$TMP/upload.bin"
check "cp a file to the pod" sk cp "$TMP/upload.bin" web:/tmp/upload.bin
# Checked through our own exec: kubectl 1.33's WebSocket reader starts before it registers
# its streams and drops a first message that beats them (client-go websocket.go).
pod_sum() { sk exec web -- busybox sha256sum "$1" | cut -d' ' -f1; }
expect "the file arrived whole" "$(sha256sum <"$TMP/upload.bin" | cut -d' ' -f1)" pod_sum /tmp/upload.bin
check "cp a file from the pod" sk cp default/web:/srv/index.html "$TMP/index.html"
expect "the file came back" "hello-from-web" cat "$TMP/index.html"
check "cp 200 kB back" sk cp web:/tmp/upload.bin "$TMP/roundtrip.bin"
check "the bytes are the same" cmp "$TMP/upload.bin" "$TMP/roundtrip.bin"
mkdir -p "$TMP/tree/inner" && echo a >"$TMP/tree/a.txt" && echo b >"$TMP/tree/inner/b.txt"
check "cp a directory to the pod" sk cp "$TMP/tree" web:/tmp/tree
# Read through our own exec too, as pod_sum above (kubectl 1.33 can drop a first message).
expect "the directory arrived" "a b" sk exec web -- sh -c 'echo $(busybox cat /tmp/tree/a.txt /tmp/tree/inner/b.txt)'
check "cp into an existing directory keeps the source's name" sk cp "$TMP/tree/a.txt" web:/tmp
expect "it landed under its own name" "a" sk exec web -- busybox cat /tmp/a.txt
check "cp a directory from the pod" sk cp web:/srv "$TMP/srv-copy"
expect "its files came back" "hello-from-web deep" sh -c "echo \$(cat '$TMP/srv-copy/index.html' '$TMP/srv-copy/sub/deep.txt')"
check "cp -c names the container" sk cp -c httpd web:/srv/index.html "$TMP/index2.html"
expect_error "cp of a missing local file" "doesn't exist in local filesystem" sk cp "$TMP/nope" web:/tmp/x
expect_error "cp between two local paths" "one of src or dest must be a remote file specification" sk cp "$TMP/a" "$TMP/b"
k delete pod web catter --grace-period=0 >/dev/null 2>&1
expect "delete waits for the pod to go" 'pod "talk" deleted' sk delete pod talk
expect_error "and it is gone" 'pods "talk" not found' k get pod talk
finish
