#!/bin/sh
# The runtime tests that need cgroup v2, run inside the test VM (busybox sh, no bash, no
# python): containers from /images/busybox, limits, OOM, exec, stop, pods and cleanup.
# Prints PASS/FAIL lines and "N passed, N failed".
passed=0
failed=0
pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
export SAMPAN_DATA_DIR=/var/lib/sampan SAMPAN_CGROUP_ROOT=sampan-test
IMG=/images/busybox
CG=/sys/fs/cgroup/sampan-test

run() {  # run ARGS...: sets RC and OUT (stdout+stderr)
  OUT=$(sampan ctr run --rm --rootfs $IMG "$@" 2>&1)
  RC=$?
}

run sh -c 'echo hello; exit 3'
[ $RC -eq 3 ] && [ "$OUT" = hello ] && pass "v2: run passes output and exit code" || fail "v2: run" "rc=$RC out=$OUT"
run sh -c 'echo $$; hostname'
[ "$(echo $OUT | cut -d' ' -f1)" = 1 ] && pass "v2: PID 1 in its own namespace" || fail "v2: pid 1" "$OUT"
run cat /proc/self/cgroup
[ "$OUT" = "0::/" ] && pass "v2: cgroup namespace rooted at the container" || fail "v2: cgroupns" "$OUT"
run --memory 48Mi --pids-limit 20 --cpus 0.5 sh -c 'cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max /sys/fs/cgroup/cpu.max'
[ "$(echo $OUT)" = "50331648 20 50000 100000" ] && pass "v2: memory.max, pids.max, cpu.max" || fail "v2: limits" "$OUT"
run --cpu-shares 1024 cat /sys/fs/cgroup/cpu.weight
[ "$OUT" = 39 ] && pass "v2: cpu shares become cpu.weight" || fail "v2: weight" "$OUT"
run --memory 32Mi sh -c 'x=a; while true; do x="$x$x"; done'
[ $RC -eq 137 ] && echo "$OUT" | grep -q OOMKilled && pass "v2: memory hog is OOMKilled (137)" || fail "v2: oom" "rc=$RC $OUT"
run --pids-limit 8 sh -c 'i=0; while [ $i -lt 20 ]; do sleep 30 & i=$((i+1)); done'
echo "$OUT" | grep -q "can't fork" && pass "v2: pids limit stops a fork bomb" || fail "v2: pids" "$OUT"
run unshare -U true
[ $RC -ne 0 ] && pass "v2: RuntimeDefault seccomp blocks unshare" || fail "v2: seccomp" "$OUT"
run grep CapEff /proc/self/status
echo "$OUT" | grep -q a80425fb && pass "v2: default capabilities" || fail "v2: caps" "$OUT"
# cgroup v2 has no devices controller: a BPF device filter keeps unprivileged containers to
# the default devices (/dev/kmsg, c 1:11, is not one of them; writing it needs no capability).
run sh -c 'mknod /tmp/kmsg c 1 11 && echo hi >/tmp/kmsg && echo wrote'
echo "$OUT" | grep -q "Operation not permitted" && pass "v2: device filter denies a device outside the list" || fail "v2: device filter" "rc=$RC $OUT"
run sh -c 'echo x >/dev/null && head -c 3 /dev/zero | wc -c'
[ "$OUT" = 3 ] && pass "v2: device filter allows /dev/null and /dev/zero" || fail "v2: default devices" "rc=$RC $OUT"
run --privileged sh -c 'mknod /tmp/kmsg c 1 11 && echo hi >/tmp/kmsg && echo wrote'
[ "$OUT" = wrote ] && pass "v2: privileged containers have no device filter" || fail "v2: privileged devices" "rc=$RC $OUT"
id=$(sampan ctr run -d --name spin --cpus 0.1 --rootfs $IMG sh -c 'while :; do :; done' 2>&1)
i=0
while [ $i -lt 100 ]; do
  t=$(grep nr_throttled $CG/sampan/$id/cpu.stat 2>/dev/null | cut -d' ' -f2)
  [ "${t:-0}" -gt 2 ] && break
  sleep 0.1
  i=$((i + 1))
done
[ "${t:-0}" -gt 2 ] && pass "v2: CPU quota throttles" || fail "v2: throttle" "nr_throttled=$t"
OUT=$(sampan ctr exec spin sh -c 'cat /proc/1/cmdline; exit 6' 2>&1)
[ $? -eq 6 ] && pass "v2: exec exit code" || fail "v2: exec" "$OUT"
sampan ctr stop -t 1 spin >/dev/null 2>&1
sampan ctr rm spin >/dev/null 2>&1
[ ! -d $CG/sampan/$id ] && pass "v2: container cgroup removed" || fail "v2: cgroup left" "$id"
pod=$(sampan ctr pod run --hostname podvm 2>/dev/null)
RUN_OUT=$(sampan ctr run -d --pod "$pod" --name a --rootfs $IMG sleep 100 2>&1)
OUT=$(sampan ctr exec a hostname 2>&1)
[ "$OUT" = podvm ] && pass "v2: pod sandbox shares its UTS namespace" || fail "v2: pod" "pod=$pod run=$RUN_OUT exec=$OUT"
[ -d $CG/kubepods/besteffort/pod$pod ] && pass "v2: pod cgroup kubepods/besteffort/pod<id>" || fail "v2: pod cgroup" "$(ls $CG)"
sampan ctr pod rm "$pod" >/dev/null 2>&1
[ ! -d $CG/kubepods/besteffort/pod$pod ] && pass "v2: pod rm removes the pod cgroup" || fail "v2: pod cgroup left" ""
left=$(find $CG -mindepth 1 -type d | grep -v -E "^$CG/(sampan|kubepods|kubepods/besteffort)$" | wc -l)
[ "$left" -eq 0 ] && pass "v2: no cgroups left" || fail "v2: cgroups left" "$(find $CG -mindepth 1 -type d)"
echo "$passed passed, $failed failed"
