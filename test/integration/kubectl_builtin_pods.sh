#!/usr/bin/env bash
# `sampan kubectl` with running pods: logs (-c, --tail, -f of a finished container,
# --previous errors), exec (stdout, stderr, exit codes, stdin with -i), wait for Ready.
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
expect "delete waits for the pod to go" 'pod "talk" deleted' sk delete pod talk
expect_error "and it is gone" 'pods "talk" not found' k get pod talk
finish
