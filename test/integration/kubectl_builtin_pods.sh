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
out=$(sk describe pod talk 2>&1)
contains "describe: name" "$out" "Name:         talk"
contains "describe: fields in title case" "$out" "Termination Grace Period Seconds:  1"
contains "describe: status" "$out" "Pod IP:"
contains "describe: events" "$out" "Started"
contains "describe: event columns" "$out" "Type    Reason"
expect "delete waits for the pod to go" 'pod "talk" deleted' sk delete pod talk
expect_error "and it is gone" 'pods "talk" not found' k get pod talk
finish
