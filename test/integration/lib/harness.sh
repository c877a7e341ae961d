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

