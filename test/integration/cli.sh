#!/usr/bin/env bash
# The sampan command line: version, help, usage errors, server start and stop, a corrupt
# database, bad environment and config. Temp dirs and loopback only.
# Usage: SAMPAN_BIN=build/sampan test/integration/cli.sh
set -uo pipefail

BIN=${SAMPAN_BIN:-build/sampan}
REPO=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null; done
  rm -rf "$TMP"
}
trap cleanup EXIT

# Only what this script sets may reach sampan: no host config file, no stray SAMPAN_*.
while read -r name; do
  [[ $name == SAMPAN_BIN ]] || unset "$name"
done < <(compgen -e | grep '^SAMPAN_')
: >"$TMP/empty.yaml"
export SAMPAN_CONFIG=$TMP/empty.yaml
# Should a later server listen, it listens on loopback only.
SERVER_ARGS=(--bind-address 127.0.0.1 --https-listen-port $((20000 + RANDOM % 10000))
             --disable-agent)

source "$(dirname "$0")/lib/harness.sh"

# Waits for background process `pid` to exit, at most `seconds`; returns its exit code
# (124 if it had to be killed).
wait_exit() {
  local pid=$1 deadline=$((SECONDS + $2))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      kill -KILL "$pid" 2>/dev/null
      wait "$pid" 2>/dev/null
      return 124
    fi
    sleep 0.05
  done
  wait "$pid"
}

# Runs sampan with a deadline; sets RC, OUT and ERR.
run() {
  "$BIN" "$@" >"$TMP/out" 2>"$TMP/err" &
  local pid=$!
  PIDS+=("$pid")
  wait_exit "$pid" 30
  RC=$?
  OUT=$(cat "$TMP/out")
  ERR=$(cat "$TMP/err")
}

# --- version -----------------------------------------------------------------------------
commit_re='[0-9a-f]{7,40}(-dirty)?'
git -C "$REPO" rev-parse -q --verify HEAD >/dev/null 2>&1 || commit_re='(unknown|[0-9a-f]{7,40})(-dirty)?'
run version
if [[ $RC -eq 0 && $OUT =~ ^sampan\ version\ v[0-9]+\.[0-9]+\.[0-9]+[^\ ]*\ \(${commit_re}\) &&
      $OUT == *"build: "* ]]; then
  pass "version prints version, commit and build flags"
else
  fail "version" "rc=$RC out=$OUT err=$ERR"
fi
first_line=${OUT%%$'\n'*}
run --version
if [[ $RC -eq 0 && ${OUT%%$'\n'*} == "$first_line" ]]; then
  pass "--version matches version"
else
  fail "--version" "rc=$RC out=$OUT"
fi

# --- help and usage errors ---------------------------------------------------------------
run --help
if [[ $RC -eq 0 && $OUT == *server* && $OUT == *agent* && $OUT == *version* ]]; then
  pass "--help lists subcommands"
else
  fail "--help" "rc=$RC out=$OUT"
fi
run help server
if [[ $RC -eq 0 && $OUT == *--data-dir* && $OUT == *--tls-san* && $OUT == *SAMPAN_DATA_DIR* ]]; then
  pass "help server lists flags"
else
  fail "help server" "rc=$RC out=$OUT"
fi
run server --help
if [[ $RC -eq 0 && $OUT == *--https-listen-port* && $OUT == *6443* ]]; then
  pass "server --help lists flags with defaults"
else
  fail "server --help" "rc=$RC out=$OUT"
fi
run frobnicate
if [[ $RC -eq 2 && $ERR == *frobnicate* && $ERR == *Usage* ]]; then
  pass "unknown subcommand exits 2 with usage"
else
  fail "unknown subcommand" "rc=$RC err=$ERR"
fi
run server --no-such-flag
if [[ $RC -eq 2 && $ERR == *--no-such-flag* ]]; then
  pass "unknown flag exits 2 naming it"
else
  fail "unknown flag" "rc=$RC err=$ERR"
fi
# (agent_join.sh runs real agents.)
run agent --token t
if [[ $RC -eq 2 && $ERR == *"--server is required"* ]]; then
  pass "agent without --server exits 2"
else
  fail "agent without --server" "rc=$RC err=$ERR"
fi
run agent --server http://127.0.0.1:6443 --token t
if [[ $RC -eq 2 && $ERR == *'invalid --server "http://127.0.0.1:6443"'* ]]; then
  pass "agent with a non-https --server exits 2"
else
  fail "agent with a non-https --server" "rc=$RC err=$ERR"
fi
run agent --server https://127.0.0.1:6443
if [[ $RC -eq 2 && $ERR == *"--token is required"* ]]; then
  pass "agent without --token exits 2"
else
  fail "agent without --token" "rc=$RC err=$ERR"
fi

# --- server start and stop ---------------------------------------------------------------
dir=$TMP/server1
"$BIN" server --data-dir "$dir" --write-kubeconfig "$dir/kc.yaml" "${SERVER_ARGS[@]}" \
  >"$TMP/server1.log" 2>&1 &
pid=$!
PIDS+=("$pid")
if wait_until 30 test -s "$dir/server/db/state.db"; then
  pass "server creates server/db/state.db"
else
  fail "server start" "no state.db: $(cat "$TMP/server1.log")"
fi
kill -TERM "$pid" 2>/dev/null
wait_exit "$pid" 30
rc=$?
if [[ $rc -eq 0 ]]; then
  pass "server exits 0 on SIGTERM"
else
  fail "server SIGTERM" "rc=$rc log=$(cat "$TMP/server1.log")"
fi
if [[ $(head -c 15 "$dir/server/db/state.db") == "SQLite format 3" ]]; then
  pass "state.db is a SQLite database"
else
  fail "state.db format" "$(head -c 64 "$dir/server/db/state.db" | od -c | head -3)"
fi

# Restarting on the same data dir reopens the database (SIGINT this time).
"$BIN" server --data-dir "$dir" --write-kubeconfig "$dir/kc.yaml" "${SERVER_ARGS[@]}" \
  >"$TMP/server2.log" 2>&1 &
pid=$!
PIDS+=("$pid")
if wait_until 30 grep -qs 'sampan server ready' "$TMP/server2.log"; then
  kill -INT "$pid" 2>/dev/null
  wait_exit "$pid" 30
  rc=$?
else
  kill -KILL "$pid" 2>/dev/null
  rc=-1
fi
if [[ $rc -eq 0 ]]; then
  pass "server restarts on its data dir and exits 0 on SIGINT"
else
  fail "server restart" "rc=$rc log=$(cat "$TMP/server2.log")"
fi

# --- bad input ---------------------------------------------------------------------------
dir=$TMP/corrupt
mkdir -p "$dir/server/db"
for _ in $(seq 200); do echo "this is not a database, just garbage"; done >"$dir/server/db/state.db"
run server --data-dir "$dir" --write-kubeconfig "$dir/kc.yaml" "${SERVER_ARGS[@]}"
if [[ $RC -eq 1 && $ERR == *database* ]]; then
  pass "corrupt state.db: exit 1 with a message about the database"
else
  fail "corrupt state.db" "rc=$RC err=$ERR"
fi

dir=$TMP/badlevel
SAMPAN_LOG_LEVEL=bogus run server --data-dir "$dir" --write-kubeconfig "$dir/kc.yaml" \
  "${SERVER_ARGS[@]}"
if [[ $RC -ne 0 && $RC -lt 128 && $ERR == *bogus* ]]; then
  pass "SAMPAN_LOG_LEVEL=bogus fails with a message"
else
  fail "SAMPAN_LOG_LEVEL=bogus" "rc=$RC err=$ERR"
fi

dir=$TMP/postgres
run server --data-dir "$dir" --datastore-endpoint postgres://127.0.0.1/sampan "${SERVER_ARGS[@]}"
if [[ $RC -eq 1 && $ERR == *"not supported yet"* ]]; then
  pass "non-SQLite datastore endpoint is refused"
else
  fail "datastore endpoint" "rc=$RC err=$ERR"
fi

printf 'log-level: debug\nno-such-key: 1\n' >"$TMP/unknown-key.yaml"
run server --config "$TMP/unknown-key.yaml" --data-dir "$TMP/cfg" "${SERVER_ARGS[@]}"
if [[ $RC -eq 2 && $ERR == *no-such-key* && $ERR == *unknown-key.yaml* ]]; then
  pass "unknown config key names the key and the file"
else
  fail "unknown config key" "rc=$RC err=$ERR"
fi

printf 'log-level: bogus-from-file\n' >"$TMP/level.yaml"
SAMPAN_CONFIG=$TMP/level.yaml run server --data-dir "$TMP/cfg" "${SERVER_ARGS[@]}"
if [[ $RC -eq 2 && $ERR == *bogus-from-file* ]]; then
  pass "SAMPAN_CONFIG names the config file"
else
  fail "SAMPAN_CONFIG" "rc=$RC err=$ERR"
fi

finish
