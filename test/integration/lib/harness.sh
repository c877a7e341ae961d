# The test harness every integration script uses: PASS/FAIL lines, counters, polling with a
# deadline, and the closing "N passed, N failed" line test/run_tests.sh reads.
# `check` keeps its output under $TMP, which the sourcing script defines.
# shellcheck shell=bash

passed=0
failed=0

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

# A TCP port nobody listens on, below the kernel's ephemeral range (32768+) so that no
# outgoing connection of another process holds it
# (checked in the network namespace IN_NS names, if any).
free_port() {
  local port
  while :; do
    port=$((10000 + RANDOM % 22000))
    ${IN_NS[@]+"${IN_NS[@]}"} ss -Htln "sport = :$port" 2>/dev/null | grep -q . || { echo "$port"; return; }
  done
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

