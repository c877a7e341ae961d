#!/usr/bin/env bash
# Pods survive their node's server (kubectl 1.33). After `kill -9` of `sampan server` and a
# new start on the same data dir, flags and port, running containers are adopted: same
# container IDs and shim processes, no restarts, Ready again, logs go on in the same file
# (lines from before and after), exec and attach work in them; a container that exited
# while the server was down is restarted; a container whose shim was killed while the
# server was down is reported as terminated (its orphaned process killed) and restarted as
# its restartPolicy says. The same adoption after a SIGTERM. Ends with "N passed, N failed".
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
metadata: {name: talker}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: main, image: busybox:fixture, command: ["sh", "-c", "i=0; while true; do i=$((i+1)); echo line-$i; busybox sleep 0.1; done"]}
---
apiVersion: v1
kind: Pod
metadata: {name: quitter}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: main, image: busybox:fixture, command: ["sh", "-c", "while [ ! -f /tmp/quit ]; do busybox sleep 0.1; done"]}
---
apiVersion: v1
kind: Pod
metadata: {name: victim}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: main, image: busybox:fixture, command: ["sh", "-c", "echo victim-started; exec busybox sleep 3600"]}
YAML
ready() { field_is "$1" '{.status.conditions[?(@.type=="Ready")].status}' True; }
for pod in steady talker quitter victim; do
  wait_for "$pod runs and is ready" 60 ready "$pod"
done
id_of() { k get pod "$1" -o jsonpath='{.status.containerStatuses[0].containerID}' 2>/dev/null; }
restarts_of() { k get pod "$1" -o jsonpath='{.status.containerStatuses[0].restartCount}' 2>/dev/null; }
# The shim of a pod's container (its pid), found by its bundle directory.
shim_of() { local id; id=$(id_of "$1"); pgrep -f "sampan shim container --bundle .*/${id#sampan://} " | head -1; }
last_line() { k logs talker --tail=1 2>/dev/null | grep -o '[0-9]*'; }
STEADY_ID=$(id_of steady)
TALKER_ID=$(id_of talker)
QUITTER_ID=$(id_of quitter)
VICTIM_ID=$(id_of victim)
STEADY_SHIM=$(shim_of steady)
TALKER_SHIM=$(shim_of talker)
VICTIM_SHIM=$(shim_of victim)
if [[ -n $STEADY_SHIM && -n $TALKER_SHIM && -n $VICTIM_SHIM ]]; then pass "shims found"; else fail "shims found" "steady '$STEADY_SHIM' talker '$TALKER_SHIM' victim '$VICTIM_SHIM'"; fi
OLD_PORT=$PORT

kill -KILL "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null
SERVER_PID=""
# The newest line the talker wrote before the restart, read from its log file
# (<data-dir>/logs/pods/<ns>_<pod>_<uid>/<container>/0.log).
talker_log=$(find "$TMP/data/logs/pods" -path "*_talker_*" -name '0.log' 2>/dev/null | head -1)
BEFORE=$(grep -o 'line-[0-9]*' "$talker_log" 2>/dev/null | tail -1)
if [[ -n $BEFORE ]]; then pass "the talker's log file"; else fail "the talker's log file" "'$talker_log'"; fi
# While the server is down, one container ends (its file appears in its root via the
# overlay's upper directory, which the test can reach through the shim's /proc root) and
# another loses its shim (its process goes on, orphaned).
quitter_pid=$(pgrep -f "while \[ ! -f /tmp/quit \]" | head -1)
[[ -n $quitter_pid ]] && touch "/proc/$quitter_pid/root/tmp/quit"
gone() { ! kill -0 "$1" 2>/dev/null; }
wait_until 10 gone "$quitter_pid" && pass "a container ended while the server was down" || fail "a container ended while the server was down"
victim_pid=$(pgrep -f "busybox sleep 3600" -P "$VICTIM_SHIM" | head -1)
[[ -z $victim_pid ]] && victim_pid=$(pgrep -P "$VICTIM_SHIM" | head -1)
kill -KILL "$VICTIM_SHIM"
wait_until 10 gone "$VICTIM_SHIM" && pass "a shim was killed while the server was down" || fail "a shim was killed while the server was down"

restart_server
contains "the server is back on the same port" "$PORT" "$OLD_PORT"
contains "running container adopted: same ID" "$(id_of steady)" "$STEADY_ID"
contains "and the same shim" "$(shim_of steady)" "$STEADY_SHIM"
contains "and no restart" "$(restarts_of steady)" "0"
contains "the talker adopted: same ID" "$(id_of talker)" "$TALKER_ID"
contains "the talker's shim goes on" "$(shim_of talker)" "$TALKER_SHIM"
wait_for "adopted pods are ready" 20 ready steady
wait_for "the talker is ready" 20 ready talker
after_restart() { [[ $(last_line) -gt ${BEFORE#line-} ]]; }
wait_for "the talker's log goes on after the restart" 20 after_restart
logs=$(k logs talker 2>&1)
contains "the log still holds the lines from before the restart" "$logs" "line-1
line-2"
contains "and the last line written before it" "$logs" "$BEFORE
"
contains "exec works in an adopted container" "$(k exec steady -- sh -c "echo adopted" 2>&1)" "adopted"
restarted() { [[ $(restarts_of quitter) -ge 1 && $(id_of quitter) != "$QUITTER_ID" ]] && phase_is quitter Running; }
wait_until 30 restarted && pass "the ended container is restarted" || fail "the ended container is restarted" "$(k get pod quitter -o yaml | tail -30)"
victim_restarted() { [[ $(restarts_of victim) -ge 1 && $(id_of victim) != "$VICTIM_ID" ]] && ready victim; }
wait_for "a container that lost its shim is restarted" 30 victim_restarted
terminated=$(k get pod victim -o jsonpath='{.status.containerStatuses[0].lastState.terminated.containerID}' 2>/dev/null)
contains "and reported as terminated" "$terminated" "$VICTIM_ID"
if [[ -n $victim_pid ]] && wait_until 10 gone "$victim_pid"; then pass "its orphaned process was killed"; else fail "its orphaned process was killed" "pid '$victim_pid'"; fi

# SIGTERM: the server stops, its containers do not.
STEADY_SHIM=$(shim_of steady)
TALKER_SHIM=$(shim_of talker)
kill -TERM "$SERVER_PID"
if wait_until 30 gone "$SERVER_PID"; then pass "SIGTERM stops the server"; else fail "SIGTERM stops the server"; fi
wait "$SERVER_PID" 2>/dev/null
SERVER_PID=""
if kill -0 "$STEADY_SHIM" 2>/dev/null && kill -0 "$TALKER_SHIM" 2>/dev/null; then pass "containers outlive a stopped server"; else fail "containers outlive a stopped server"; fi
restart_server
contains "after SIGTERM: same ID" "$(id_of steady)" "$STEADY_ID"
contains "after SIGTERM: same shim" "$(shim_of steady)" "$STEADY_SHIM"
contains "after SIGTERM: no restart" "$(restarts_of steady)" "0"
contains "after SIGTERM: the talker not restarted" "$(restarts_of talker)" "0"
wait_for "after SIGTERM: ready" 20 ready talker
contains "after SIGTERM: exec works" "$(k exec talker -- sh -c "echo again" 2>&1)" "again"
# Attach reaches an adopted container's shim (its socket outlives the server).
: >"$TMP/attach.out"
k attach talker >"$TMP/attach.out" 2>&1 &
attach_pid=$!
wait_for "attach to an adopted container" 20 grep -q "line-" "$TMP/attach.out"
kill "$attach_pid" 2>/dev/null
wait "$attach_pid" 2>/dev/null

check "deleting works on adopted pods" k delete pods --all --grace-period=1 --timeout=60s
wait_until 20 no_shims && pass "no shims left" || fail "no shims left" "$(pgrep -af "sampan shim .*$TMP/")"
finish
