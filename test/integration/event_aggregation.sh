#!/usr/bin/env bash
# Events of a crash-looping pod are aggregated (kubectl 1.33): the kubelet's repeated
# BackOff event about the container is one Event object whose count grows (with
# lastTimestamp and series), not an object per retry; events.k8s.io/v1 shows the same event
# with its series. Needs a node (the server runs with its agent in a network namespace).
# Ends with "N passed, N failed".
set -uo pipefail
source "$(dirname "$0")/lib/common.sh"

start_node --node-name events-test --node-ip 127.0.0.1

k apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: crasher}
spec:
  hostNetwork: true
  terminationGracePeriodSeconds: 1
  containers:
  - {name: main, image: busybox:fixture, command: ["sh", "-c", "exit 3"]}
YAML

backoff_events() {
  k get events --field-selector involvedObject.name=crasher,reason=BackOff \
    -o jsonpath='{range .items[*]}{.metadata.name} {.count}{"\n"}{end}' 2>/dev/null
}
# The BackOff event was counted at least twice.
backoff_repeated() { awk '$2 >= 2 {found=1} END {exit !found}' <<<"$(backoff_events)"; }

wait_for "crash-looping pod's BackOff event repeats" 90 backoff_repeated
out=$(backoff_events)
expect "one BackOff event object" 1 grep -c . <<<"$out"
name=$(awk 'NR==1 {print $1}' <<<"$out")
# Timestamps have second resolution: a later repeat moves lastTimestamp.
later() {
  read -r first last <<<"$(k get event "$name" -o jsonpath='{.firstTimestamp} {.lastTimestamp}')"
  [[ -n $first && -n $last && $last > $first ]]
}
if wait_until 60 later; then
  pass "lastTimestamp moves past firstTimestamp"
else
  fail "lastTimestamp moves past firstTimestamp" "first=$first last=$last"
fi
# One read each, so that a further repeat between two reads cannot make them differ.
read -r count series <<<"$(k get event "$name" -o jsonpath='{.count} {.series.count}')"
expect "series count follows count" "$count" echo "$series"
read -r count series <<<"$(k get events.v1.events.k8s.io "$name" -o jsonpath='{.deprecatedCount} {.series.count}')"
if [[ -n $series && $series == "$count" ]]; then
  pass "events.k8s.io shows the series"
else
  fail "events.k8s.io shows the series" "deprecatedCount=$count series.count=$series"
fi
contains "describe pod shows the aggregated event" "$(k describe pod crasher 2>&1)" \
  "Back-off restarting failed container main"

k delete pod crasher --grace-period=1 >/dev/null 2>&1
finish
