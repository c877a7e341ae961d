# Shared by the integration scripts: counters, polling, and a sampan server of the test's
# own (temp data dir, loopback, a random port). Source it, then call start_server.
# shellcheck shell=bash

BIN=${SAMPAN_BIN:-build/sampan}
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
TMP=$(mktemp -d)
SERVER_PID=""
passed=0
failed=0

cleanup() {
  [[ -n $SERVER_PID ]] && kill -TERM "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT

pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: ${2:-}"; failed=$((failed + 1)); }
# check NAME CMD...: passes if CMD succeeds.
check() {
  local name=$1
  shift
  if "$@" >"$TMP/check.out" 2>&1; then pass "$name"; else fail "$name" "$(tail -5 "$TMP/check.out")"; fi
}
# contains NAME HAYSTACK NEEDLE
contains() {
  if [[ $2 == *"$3"* ]]; then pass "$1"; else fail "$1" "expected to find '$3' in: ${2:0:600}"; fi
}

# Polls `cmd...` until it succeeds or `seconds` pass.
wait_until() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.05
  done
}

finish() {
  echo "$passed passed, $failed failed"
  [[ $failed -eq 0 ]]
}

kubectl_path() {
  echo "$(dirname "$(readlink -f "$(command -v kubectl)")")/kubectl.$1"
}

# Starts `sampan server` with its own data dir and port; sets PORT and KUBECONFIG.
start_server() {
  PORT=$((20000 + RANDOM % 20000))
  export KUBECONFIG=$TMP/kubeconfig.yaml
  : >"$TMP/empty-config.yaml"
  SAMPAN_CONFIG=$TMP/empty-config.yaml "$BIN" server --data-dir "$TMP/data" \
    --write-kubeconfig "$KUBECONFIG" --bind-address 127.0.0.1 --https-listen-port "$PORT" \
    --disable-agent "$@" >"$TMP/server.log" 2>&1 &
  SERVER_PID=$!
  if ! wait_until 20 test -s "$KUBECONFIG" || ! wait_until 20 curl -sk "https://127.0.0.1:$PORT/healthz" -o /dev/null; then
    echo "server did not start:"
    cat "$TMP/server.log"
    return 1
  fi
  # Unauthenticated health checks answer 401, which is still an answer.
  return 0
}
