# Shared by the integration scripts: counters, polling, and a sampan server of the test's
# own (temp data dir, loopback, a random port). Source it, then call start_server.
# shellcheck shell=bash

source "$(dirname "${BASH_SOURCE[0]}")/harness.sh"

BIN=${SAMPAN_BIN:-build/sampan}
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
TMP=$(mktemp -d)
SERVER_PID=""

cleanup() {
  [[ -n $SERVER_PID ]] && kill -TERM "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  rm -rf "$TMP"
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
  k() { "$K" "$@"; }
}

# Starts the server (arguments as start_server) or ends the suite with a failure.
require_server() {
  start_server "$@" || { fail "server starts"; finish; exit 1; }
  pass "server starts"
}

# Starts `sampan server` with its own data dir and port; sets PORT and KUBECONFIG. The
# node agent is disabled unless WITH_AGENT=1.
start_server() {
  local agent_flag=--disable-agent
  [[ ${WITH_AGENT:-0} == 1 ]] && agent_flag=
  PORT=$((20000 + RANDOM % 20000))
  export KUBECONFIG=$TMP/kubeconfig.yaml
  : >"$TMP/empty-config.yaml"
  SAMPAN_CONFIG=$TMP/empty-config.yaml "$BIN" server --data-dir "$TMP/data" \
    --write-kubeconfig "$KUBECONFIG" --bind-address 127.0.0.1 --https-listen-port "$PORT" \
    $agent_flag "$@" >"$TMP/server.log" 2>&1 &
  SERVER_PID=$!
  if ! wait_until 20 test -s "$KUBECONFIG" || ! wait_until 20 curl -sk "https://127.0.0.1:$PORT/healthz" -o /dev/null; then
    echo "server did not start:"
    cat "$TMP/server.log"
    return 1
  fi
  # Unauthenticated health checks answer 401, which is still an answer.
  return 0
}
