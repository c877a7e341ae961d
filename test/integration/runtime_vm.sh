#!/usr/bin/env bash
# The runtime on cgroup v2 (unified hierarchy with cpu, memory and pids), in a Debian kernel
# booted under qemu: see test/vm/run_vm.sh. The kernel is cached in the build directory.
# Usage: SAMPAN_BIN=build/sampan test/integration/runtime_vm.sh
set -uo pipefail
BIN=${SAMPAN_BIN:-build/sampan}
exec "$(dirname "$0")/../vm/run_vm.sh" "$BIN" "$(dirname "$BIN")/vm"
