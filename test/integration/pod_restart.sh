#!/usr/bin/env bash
# Pods survive their node's server: after `kill -9` of `sampan server` and a new start on the
# same data dir, running containers are adopted (same container IDs, no restarts), a
# container that exited while the server was down is restarted, and pod status is current
# again (kubectl 1.33). Ends with "N passed, N failed".
set -uo pipefail
source "$(dirname "$0")/lib/common.sh"

start_node --node-name restart-test --node-ip 127.0.0.1
k apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: steady}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: main, image: busybox:fixture, command: ["busybox", "sleep", "3600"]}
---
apiVersion: v1
kind: Pod
metadata: {name: quitter}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: main, image: busybox:fixture, command: ["sh", "-c", "while [ ! -f /tmp/quit ]; do busybox sleep 0.1; done"]}
YAML
if wait_until 30 phase_is steady Running && wait_until 30 phase_is quitter Running; then pass "pods run"; else fail "pods run" "$(k get pods 2>&1; grep -E " [WE] " "$TMP/server.log" | tail -5)"; fi
id_of() { k get pod "$1" -o jsonpath='{.status.containerStatuses[0].containerID}' 2>/dev/null; }
STEADY_ID=$(id_of steady)
QUITTER_ID=$(id_of quitter)

kill -KILL "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null
SERVER_PID=""
# While the server is down, one container ends (its file appears in its root via the
# overlay's upper directory, which the test can reach through the shim's /proc root).
quitter_pid=$(pgrep -f "while \[ ! -f /tmp/quit \]" | head -1)
[[ -n $quitter_pid ]] && touch "/proc/$quitter_pid/root/tmp/quit"
gone() { ! kill -0 "$quitter_pid" 2>/dev/null; }
wait_until 10 gone && pass "a container ended while the server was down" || fail "a container ended while the server was down"

WITH_AGENT=1 require_server --node-name restart-test --node-ip 127.0.0.1
contains "running container adopted: same ID" "$(id_of steady)" "$STEADY_ID"
restarts_of() { k get pod "$1" -o jsonpath='{.status.containerStatuses[0].restartCount}' 2>/dev/null; }
contains "and no restart" "$(restarts_of steady)" "0"
restarted() { [[ $(restarts_of quitter) -ge 1 && $(id_of quitter) != "$QUITTER_ID" ]] && phase_is quitter Running; }
wait_until 30 restarted && pass "the ended container is restarted" || fail "the ended container is restarted" "$(k get pod quitter -o yaml | tail -30)"
check "deleting works on adopted pods" k delete pods --all --grace-period=1 --timeout=60s
wait_until 20 no_shims && pass "no shims left" || fail "no shims left" "$(pgrep -af "sampan shim .*$TMP/")"
finish
