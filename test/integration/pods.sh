#!/usr/bin/env bash
# Pods run on the server's own node (kubectl 1.33): busybox pods that run, complete,
# crash-loop, exceed their memory limit, use env from a ConfigMap and a Secret, wait for a
# missing image or a missing key, run init containers in order; an unschedulable pod; and
# deletion that leaves nothing behind (containers, sandboxes, pod files, cgroups, shims).
# The server runs in a network namespace of its own. Ends with "N passed, N failed".
set -uo pipefail
source "$(dirname "$0")/lib/common.sh"

start_node --node-name pods-test --node-ip 127.0.0.1

column() { k get pod "$1" --no-headers 2>/dev/null | awk -v n="$2" '{print $n}'; }
column_is() { [[ $(column "$1" "$2") == "$3" ]]; }
pod_log() { cat "$TMP"/data/logs/pods/default_"$1"_*/"$2"/0.log 2>/dev/null; }

k create configmap settings --from-literal=mode=fast >/dev/null
k create secret generic creds --from-literal=password=s3cret >/dev/null
sed "s|HOOKS_DIR|$TMP/hooks|" <<'YAML' | k apply -f - >/dev/null
apiVersion: v1
kind: Pod
metadata: {name: runner, labels: {app: runner}}
spec:
  hostNetwork: true
  terminationGracePeriodSeconds: 1
  initContainers:
  - {name: prepare, image: busybox:fixture, command: ["sh", "-c", "echo prepared > /work/ready"],
     volumeMounts: [{name: work, mountPath: /work}]}
  containers:
  - name: main
    image: busybox:fixture
    command: ["sh", "-c", "echo mode=$MODE password=$PASSWORD pod=$(POD) $(cat /work/ready); exec sleep 3600"]
    env:
    - {name: MODE, valueFrom: {configMapKeyRef: {name: settings, key: mode}}}
    - {name: PASSWORD, valueFrom: {secretKeyRef: {name: creds, key: password}}}
    - {name: POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
    volumeMounts: [{name: work, mountPath: /work}]
  volumes: [{name: work, emptyDir: {}}]
---
apiVersion: v1
kind: Pod
metadata: {name: finisher}
spec:
  hostNetwork: true
  restartPolicy: Never
  containers:
  - {name: main, image: busybox:fixture, command: ["sh", "-c", "echo all done > /dev/termination-log"]}
---
apiVersion: v1
kind: Pod
metadata: {name: crasher}
spec:
  hostNetwork: true
  terminationGracePeriodSeconds: 1
  containers:
  - {name: main, image: busybox:fixture, command: ["sh", "-c", "echo failing; exit 3"]}
---
apiVersion: v1
kind: Pod
metadata: {name: hog}
spec:
  hostNetwork: true
  restartPolicy: Never
  containers:
  - name: main
    image: busybox:fixture
    command: ["sh", "-c", "a=$(busybox head -c 100000000 /dev/zero | busybox tr '\\0' x); echo ${#a}"]
    resources: {limits: {memory: 16Mi}}
---
apiVersion: v1
kind: Pod
metadata: {name: nowhere}
spec:
  hostNetwork: true
  containers:
  - {name: main, image: "127.0.0.1:9/missing/image:1"}
---
apiVersion: v1
kind: Pod
metadata: {name: nokey}
spec:
  hostNetwork: true
  containers:
  - name: main
    image: busybox:fixture
    command: ["sleep", "3600"]
    env: [{name: X, valueFrom: {configMapKeyRef: {name: settings, key: absent}}}]
---
apiVersion: v1
kind: Pod
metadata: {name: probed}
spec:
  hostNetwork: true
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: busybox:fixture
    command: ["sh", "-c", "exec busybox sleep 3600"]
    readinessProbe: {exec: {command: ["sh", "-c", "test -f /tmp/ready"]}, periodSeconds: 1}
    livenessProbe: {exec: {command: ["sh", "-c", "exit 1"]}, initialDelaySeconds: 1, periodSeconds: 1, failureThreshold: 2}
---
apiVersion: v1
kind: Pod
metadata: {name: ready}
spec:
  hostNetwork: true
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: busybox:fixture
    command: ["sh", "-c", "touch /tmp/ready; exec busybox sleep 3600"]
    readinessProbe: {exec: {command: ["sh", "-c", "test -f /tmp/ready"]}, periodSeconds: 1}
---
apiVersion: v1
kind: Pod
metadata: {name: hooked}
spec:
  hostNetwork: true
  terminationGracePeriodSeconds: 5
  containers:
  - name: main
    image: busybox:fixture
    command: ["sh", "-c", "while [ ! -f /hooks/post ]; do busybox sleep 0.1; done; echo saw-poststart; exec busybox sleep 3600"]
    lifecycle:
      postStart: {exec: {command: ["sh", "-c", "echo post > /hooks/post"]}}
      preStop: {exec: {command: ["sh", "-c", "echo stopping > /hooks/prestop"]}}
    volumeMounts: [{name: hooks, mountPath: /hooks}]
  volumes: [{name: hooks, hostPath: {path: HOOKS_DIR, type: DirectoryOrCreate}}]
---
apiVersion: v1
kind: Pod
metadata: {name: picky}
spec:
  nodeSelector: {disk: ssd}
  containers:
  - {name: main, image: busybox:fixture}
YAML

wait_for "pod runs after its init container" 30 phase_is runner Running
contains "READY 1/1" "$(column runner 2)" "1/1"
out=$(k get pod runner -o jsonpath='{.status.containerStatuses[0].state.running.startedAt} {.status.hostIP} {.status.initContainerStatuses[0].state.terminated.reason} {.status.conditions[?(@.type=="Ready")].status}')
contains "status: running, host IP, init container completed, Ready" "$out" " 127.0.0.1 Completed True"
log_has() { pod_log "$1" "$2" | grep -q "$3"; }
if wait_until 10 log_has runner main 'mode=fast password=s3cret pod=runner prepared'; then
  pass "env from ConfigMap, Secret and fieldRef; emptyDir shared with the init container"
else
  fail "env from ConfigMap, Secret and fieldRef; emptyDir shared with the init container" "$(pod_log runner main)"
fi

wait_for "restartPolicy Never pod completes" 30 phase_is finisher Succeeded
contains "STATUS Completed" "$(column finisher 3)" "Completed"
contains "termination message" "$(k get pod finisher -o jsonpath='{.status.containerStatuses[0].state.terminated.message}')" "all done"

wait_for "crashing pod goes into CrashLoopBackOff" 30 column_is crasher 3 CrashLoopBackOff
wait_for "restarted after the back-off" 40 field_at_least crasher '{.status.containerStatuses[0].restartCount}' 2
contains "last state keeps the exit code" "$(k get pod crasher -o jsonpath='{.status.containerStatuses[0].lastState.terminated.exitCode}')" "3"
contains "BackOff event" "$(k get events --field-selector involvedObject.name=crasher 2>&1)" "Back-off restarting failed container main"

wait_for "memory hog is OOMKilled" 30 field_is hog '{.status.containerStatuses[0].state.terminated.reason}' OOMKilled
contains "OOMKilled pod failed" "$(phase hog)" "Failed"

status_matches() { k get pod "$1" --no-headers 2>/dev/null | grep -Eq "$2"; }
wait_for "pull failure shows in STATUS" 30 status_matches nowhere 'ErrImagePull|ImagePullBackOff'
contains "Failed to pull image event" "$(k get events --field-selector involvedObject.name=nowhere 2>&1)" "Failed to pull image"

wait_for "missing ConfigMap key: CreateContainerConfigError" 30 column_is nokey 3 CreateContainerConfigError
contains "its message names the key" "$(k get pod nokey -o jsonpath='{.status.containerStatuses[0].state.waiting.message}')" "couldn't find key absent in ConfigMap default/settings"

wait_for "readiness probe passing: READY 1/1" 30 column_is ready 2 1/1
contains "readiness probe failing: Running but not ready" "$(column probed 2) $(phase probed)" "0/1 Running"
wait_for "failing liveness probe restarts the container" 30 field_at_least probed '{.status.containerStatuses[0].restartCount}' 1
events_mention() { k get events --field-selector "involvedObject.name=$1" 2>/dev/null | grep -q "$2"; }
wait_for "Unhealthy event for the liveness probe" 10 events_mention probed "Liveness probe failed"
contains "and for the readiness probe" "$(k get events --field-selector involvedObject.name=probed 2>&1)" "Readiness probe failed"
wait_for "postStart hook ran before the container went on" 30 log_has hooked main saw-poststart

wait_for "unschedulable pod gets FailedScheduling" 20 events_mention picky FailedScheduling
contains "it stays Pending" "$(phase picky)" "Pending"

contains "kubectl 1.27 lists the pods" "$("${IN_NS[@]}" "$(kubectl_path 1.27)" get pods 2>&1)" "runner"

# A forced deletion removes the object at once; the node still cleans up after it.
check "force delete" k delete pod runner --grace-period=0 --force
runner_gone() { ! k get pod runner >/dev/null 2>&1; }
wait_for "force-deleted pod is gone from the API" 5 runner_gone
runner_stopped() { ! pgrep -f "sampan shim .*$TMP/" >/dev/null || [[ -z $(grep -l '"runner"' "$TMP"/data/agent/sandboxes/*/* 2>/dev/null) ]]; }
wait_for "and its sandbox is removed" 20 runner_stopped

# Deletion: graceful, then nothing of the pods stays on the node.
check "delete every pod" k delete pods --all --grace-period=1 --timeout=60s
no_pods() { [[ -z $(k get pods --no-headers 2>/dev/null) ]]; }
wait_for "pods are gone" 30 no_pods
contains "preStop hook ran on deletion" "$(cat "$TMP/hooks/prestop" 2>&1)" "stopping"
empty_dir() { [[ -z $(find "$1" -mindepth 1 -maxdepth 1 2>/dev/null) ]]; }
wait_for "no containers left" 10 empty_dir "$TMP/data/agent/containers"
wait_for "no sandboxes left" 10 empty_dir "$TMP/data/agent/sandboxes"
wait_for "no pod directories left" 10 empty_dir "$TMP/data/pods"
wait_for "no pod logs left" 10 empty_dir "$TMP/data/logs/pods"
no_pod_cgroups() { [[ -z $(find /sys/fs/cgroup/*/"$CGROUP_ROOT"/kubepods -type d -name 'pod*' 2>/dev/null) ]]; }
wait_for "no pod cgroups left" 10 no_pod_cgroups
wait_for "no shims left" 10 no_shims
finish
