# Shared by the integration scripts: counters, polling, and a sampan server of the test's
# own (temp data dir, loopback, a random port). Source it, then call start_server.
# shellcheck shell=bash

source "$(dirname "${BASH_SOURCE[0]}")/harness.sh"

BIN=${SAMPAN_BIN:-build/sampan}
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
TMP=$(mktemp -d)
SERVER_PID=""
# With an agent, pods' cgroups go under this parent in every hierarchy (removed at exit).
CGROUP_ROOT=sampan-it-$$
# Set by use_netns: the network namespace the server and every client run in.
NETNS=""
IN_NS=()

cleanup() {
  [[ -n $SERVER_PID ]] && kill -TERM "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  cleanup_node
  [[ -n $NETNS ]] && ip netns del "$NETNS" 2>/dev/null
  rm -rf "$TMP"
}

# Containers outlive the server by design: a test stops what its node left running (shims
# and sandbox holders of its data dir, everything in its cgroups), then removes the cgroups.
cleanup_node() {
  local pids
  pids=$(pgrep -f "sampan shim .*$TMP/" 2>/dev/null)
  for dir in /sys/fs/cgroup/*/"$CGROUP_ROOT"; do
    [[ -d $dir ]] || continue
    pids+=" $(find "$dir" -name cgroup.procs -exec cat {} + 2>/dev/null)"
  done
  # shellcheck disable=SC2086
  [[ -n ${pids// /} ]] && kill -KILL $pids 2>/dev/null
  local tries=0
  while ((tries < 100)); do
    local left=0
    for dir in /sys/fs/cgroup/*/"$CGROUP_ROOT"; do
      [[ -d $dir ]] || continue
      find "$dir" -depth -type d -exec rmdir {} \; 2>/dev/null
      [[ -d $dir ]] && left=1
    done
    ((left == 0)) && break
    tries=$((tries + 1))
    sleep 0.05
  done
}

# Runs the server and every client of this suite in a network namespace of its own (with
# its loopback up): what a pod network test needs so that nothing touches the host's.
use_netns() {
  NETNS=sampan-it-$$
  ip netns add "$NETNS" || return 1
  ip -n "$NETNS" link set lo up
  IN_NS=(nsenter "--net=/run/netns/$NETNS")
}
trap cleanup EXIT

kubectl_path() {
  echo "$(dirname "$(readlink -f "$(command -v kubectl)")")/kubectl.$1"
}

# Selects kubectl VERSION: sets K and defines k() to run it; a missing binary is a failure
# (returns 1).
use_kubectl() {
  K=$(kubectl_path "$1")
  if [[ ! -x $K ]]; then
    fail "kubectl $1 present" "$K missing"
    return 1
  fi
  k() { "${IN_NS[@]}" "$K" "$@"; }
}

# Starts the server (arguments as start_server) or ends the suite with a failure.
require_server() {
  start_server "$@" || { fail "server starts"; finish; exit 1; }
  pass "server starts"
}

# Starts `sampan server` with its own data dir and port; sets PORT and KUBECONFIG. The
# node agent is disabled unless WITH_AGENT=1. KEEP_PORT=1 starts it on the PORT it had.
start_server() {
  local agent_flag=--disable-agent
  [[ ${WITH_AGENT:-0} == 1 ]] && agent_flag="--cgroup-root $CGROUP_ROOT"
  SERVER_WITH_AGENT=${WITH_AGENT:-0}
  SERVER_ARGS=("$@")
  export KUBECONFIG=$TMP/kubeconfig.yaml
  : >"$TMP/empty-config.yaml"
  local attempt
  for attempt in 1 2 3; do
    [[ ${KEEP_PORT:-0} == 1 && -n ${PORT:-} ]] || PORT=$(free_port)
    SAMPAN_CONFIG=$TMP/empty-config.yaml "${IN_NS[@]}" "$BIN" server --data-dir "$TMP/data" \
      --write-kubeconfig "$KUBECONFIG" --bind-address 127.0.0.1 --https-listen-port "$PORT" \
      $agent_flag "$@" >"$TMP/server.log" 2>&1 &
    SERVER_PID=$!
    # Another process may take the port between the check and the bind: try another one.
    wait_until 20 server_up_or_gone && ! grep -q "address already in use" "$TMP/server.log" && break
  done
  if ! wait_until 20 test -s "$KUBECONFIG" || ! wait_until 20 "${IN_NS[@]}" curl -sk "https://127.0.0.1:$PORT/healthz" -o /dev/null; then
    echo "server did not start:"
    cat "$TMP/server.log"
    return 1
  fi
  # Unauthenticated health checks answer 401, which is still an answer.
  return 0
}

# Starts the server again after the test stopped it (kill -9 or SIGTERM, and waited for it):
# same data dir, flags, network namespace and port; the previous log is kept as
# server.log.N. Ends the suite with a failure if it does not come up.
SERVER_RESTARTS=0
restart_server() {
  SERVER_RESTARTS=$((SERVER_RESTARTS + 1))
  mv "$TMP/server.log" "$TMP/server.log.$SERVER_RESTARTS" 2>/dev/null
  KEEP_PORT=1 WITH_AGENT=$SERVER_WITH_AGENT require_server "${SERVER_ARGS[@]}"
}

server_up_or_gone() {
  ! kill -0 "$SERVER_PID" 2>/dev/null || "${IN_NS[@]}" curl -sk "https://127.0.0.1:$PORT/healthz" -o /dev/null
}

# A one-node cluster for pod suites: the busybox test image waiting as an airgap archive,
# the server with its agent in a network namespace of its own (`before_start` runs there
# first, e.g. to give the node an address), kubectl 1.33, and the image imported. Arguments
# go to the server. Ends the suite on failure.
start_node() {
  mkdir -p "$TMP/img" "$TMP/data/agent/images"
  "$(dirname "$BIN")/test/helpers/mkimage" "$TMP/img" >/dev/null &&
    cp "$TMP/img/busybox.oci.tar" "$TMP/data/agent/images/"
  use_netns || { fail "network namespace"; finish; exit 1; }
  [[ $(type -t before_start) == function ]] && before_start
  WITH_AGENT=1 require_server "$@"
  use_kubectl 1.33 || { finish; exit 1; }
  if wait_until 30 image_imported busybox; then
    pass "test image imported"
  else
    fail "test image imported" "$("$BIN" images ls --data-dir "$TMP/data" 2>&1)"
  fi
}
image_imported() { "$BIN" images ls --data-dir "$TMP/data" 2>/dev/null | grep -q "$1"; }

# expect NAME WANT CMD...: CMD's output (stdout and stderr) equals WANT.
expect() {
  local name=$1 want=$2 got
  shift 2
  got=$("$@" 2>&1)
  if [[ $got == "$want" ]]; then pass "$name"; else fail "$name" "want '$want', got '${got:0:600}'"; fi
}
# expect_error NAME NEEDLE CMD...: CMD fails and says NEEDLE.
expect_error() {
  local name=$1 needle=$2 got
  shift 2
  if got=$("$@" 2>&1); then
    fail "$name" "succeeded: ${got:0:300}"
  else
    contains "$name" "$got" "$needle"
  fi
}

# Pod conditions for wait_until/wait_for (functions, so that every poll looks again).
phase() { k get pod "$1" -o jsonpath='{.status.phase}' 2>/dev/null; }
phase_is() { [[ $(phase "$1") == "$2" ]]; }
field_is() { [[ $(k get pod "$1" -o jsonpath="$2" 2>/dev/null) == "$3" ]]; }
field_at_least() { local v; v=$(k get pod "$1" -o jsonpath="$2" 2>/dev/null); [[ -n $v ]] && ((v >= $3)); }
# No shim of this suite's data dir is left (every container of the node is gone).
no_shims() { ! pgrep -f "sampan shim .*$TMP/" >/dev/null; }
# wait_for NAME SECONDS CMD...: passes when CMD succeeds in time, else shows the pods and
# the server's recent warnings.
wait_for() {
  local name=$1 seconds=$2
  shift 2
  if wait_until "$seconds" "$@"; then
    pass "$name"
  else
    fail "$name" "$(k get pods -o wide 2>&1; k get pods -o jsonpath="{range .items[*]}{.metadata.name} {.status}{\"\\n\"}{end}"; grep -v " I " "$TMP/server.log" | tail -20)"
  fi
}
