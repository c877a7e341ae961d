#!/usr/bin/env bash
# Runs every test suite and ends with one line "N passed, N failed".
# Usage: test/run_tests.sh BUILD_DIR
set -uo pipefail
BUILD=${1:-build}
passed=0
failed=0
skipped=0
status=0
LOGDIR=$(mktemp -d)
trap 'rm -rf "$LOGDIR"' EXIT

# gtest binaries: count tests from the JSON report; a crash counts as a failure.
run_gtest() {
  local bin=$1 name json
  name=$(basename "$bin")
  json="$LOGDIR/$name.json"
  echo "== $name"
  "$bin" --gtest_output="json:$json" --gtest_brief=1
  local rc=$?
  if [[ -s $json ]]; then
    local counts
    counts=$(/usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
p = f = s = 0
for suite in d.get("testsuites", []):
    for t in suite.get("testsuite", []):
        if t.get("failures"):
            f += 1
        elif t.get("result") == "SKIPPED":
            s += 1
        elif t.get("status") == "RUN":
            p += 1
print(p, f, s)' "$json")
    read -r p f s <<<"$counts"
    passed=$((passed + p))
    failed=$((failed + f))
    skipped=$((skipped + s))
  fi
  if [[ $rc -ne 0 ]]; then
    status=1
    [[ -s $json ]] || failed=$((failed + 1))
  fi
}

run_gtest "$BUILD/test/unit_tests"

# Integration suites (scripts under test/integration) print their own "N passed, N failed".
for suite in test/integration/*.sh; do
  [[ -e $suite ]] || continue
  echo "== $suite"
  out="$LOGDIR/$(basename "$suite").log"
  SAMPAN_BIN="$BUILD/sampan" bash "$suite" 2>&1 | tee "$out"
  rc=${PIPESTATUS[0]}
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -1)
  if [[ -n $line ]]; then
    passed=$((passed + $(echo "$line" | awk '{print $1}')))
    failed=$((failed + $(echo "$line" | awk '{print $3}')))
  else
    failed=$((failed + 1))
  fi
  [[ $rc -eq 0 ]] || status=1
done

if [[ $skipped -gt 0 ]]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
[[ $failed -eq 0 && $status -eq 0 ]]
