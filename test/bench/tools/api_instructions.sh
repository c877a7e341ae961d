#!/bin/sh
# Instructions the API server spends inside one function while bench_api runs one phase:
# a figure that does not drift with the VM's load, unlike the benchmark's times.
#
# Usage: test/bench/tools/api_instructions.sh PHASE FUNCTION
#   PHASE     a bench_api phase (creates, gets, rbac, pods, patches, watch)
#   FUNCTION  a callgrind function pattern, counted with everything it calls, e.g.
#             'sampan::http::LoopQueue::Drain*'          (the HTTP loop's posted work)
#             'sampan::apiserver::RestHandler::Patch*'   (one patch, on its worker)
#             'sampan::storage::WatchHub::Publish*'      (watch fan-out on the writer)
# Runs the quick variant of the phase (SAMPAN_BENCH_QUICK=1) with the server under
# valgrind, so its times are meaningless; prints the instruction total. Needs valgrind
# (apt-get install valgrind) and a build (make build).
set -eu
[ $# -eq 2 ] || { sed -n '2,13p' "$0"; exit 2; }
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 1; }
root=$(cd "$(dirname "$0")/../../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/server" <<WRAP
#!/bin/sh
exec valgrind --tool=callgrind --callgrind-out-file=$work/callgrind.%p \
  --collect-atstart=no --toggle-collect='$2' $root/build/sampan "\$@"
WRAP
chmod +x "$work/server"
SAMPAN_BIN="$work/server" SAMPAN_BENCH_QUICK=1 SAMPAN_BENCH_ONLY="$1" \
  "$root/build/bench/bench_api" > "$work/bench.out" 2>&1 || { cat "$work/bench.out" >&2; exit 1; }
for f in "$work"/callgrind.*; do
  callgrind_annotate "$f" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print "instructions=" $1}'
done
