#!/usr/bin/env bash
# The container runtime for real (`sampan ctr`), on the busybox fixture rootfs: isolation,
# security settings, limits (OOM 137, pids, CPU quota), logs and rotation, exec, stop,
# re-adoption after the CLI is killed, pod sandboxes, start failures, and cleanup (mounts,
# cgroups and processes counted before and after).
# Safety: runs inside a mount namespace of its own (re-executes itself under unshare), every
# cgroup lives under sampan-test-<random> (removed at the end), containers use their own
# network namespaces (--network none).
# Usage: SAMPAN_BIN=build/sampan test/integration/runtime.sh   (root; needs busybox-static)
set -uo pipefail

if [[ -z ${SAMPAN_RT_UNSHARED:-} ]]; then
  if [[ $(id -u) -ne 0 ]]; then
    echo "runtime.sh: needs root (namespaces, cgroups); skipped"
    echo "0 passed, 0 failed"
    exit 0
  fi
  export SAMPAN_RT_UNSHARED=1
  exec unshare --mount --propagation slave bash "$0" "$@"
fi

source "$(dirname "$0")/lib/harness.sh"
BIN=${SAMPAN_BIN:-build/sampan}
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
REPO=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d /tmp/sampan-rt-test.XXXXXX)
CGROOT=sampan-test-$RANDOM$RANDOM
export SAMPAN_DATA_DIR=$TMP/data SAMPAN_CGROUP_ROOT=$CGROOT
ROOTFS=$TMP/rootfs
BG_PIDS=()

cgroup_dirs() { find /sys/fs/cgroup -maxdepth 12 -type d -path "*/$CGROOT*" 2>/dev/null | wc -l; }
shim_procs() { pgrep -f -- "$TMP/data" | wc -l; }
host_mounts() { wc -l </proc/1/mountinfo; }

cleanup() {
  for pid in "${BG_PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null; done
  pkill -KILL -f -- "$TMP/data" 2>/dev/null
  # Depth first: the runtime's cgroups, then the test root itself.
  find /sys/fs/cgroup -depth -type d -path "*/$CGROOT*" -exec rmdir {} \; 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT

"$REPO/test/fixtures/busybox_rootfs.sh" "$ROOTFS" || { fail "busybox fixture" "busybox-static missing"; finish; exit 1; }
MOUNTS_BEFORE=$(host_mounts)

# Runs `sampan ctr ARGS` with a deadline; sets RC, OUT, ERR.
ctr() {
  timeout 60 "$BIN" ctr "$@" >"$TMP/out" 2>"$TMP/err" </dev/null
  RC=$?
  OUT=$(cat "$TMP/out")
  ERR=$(cat "$TMP/err")
}
run_rm() { ctr run --rm --rootfs "$ROOTFS" "$@"; }
expect() {  # NAME CONDITION-STRING (evaluated)
  if eval "$2"; then pass "$1"; else fail "$1" "rc=$RC out=${OUT:0:400} err=${ERR:0:400}"; fi
}
inspect_field() {  # ID EXPR (python on the inspect JSON)
  "$BIN" ctr inspect "$1" 2>/dev/null | /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin)[0]; print($2)"
}

# --- basics and isolation -------------------------------------------------------------------
run_rm sh -c 'echo hello; echo oops >&2; exit 3'
expect "exit code and stdout/stderr pass through" '[[ $RC -eq 3 && $OUT == hello && $ERR == oops ]]'
run_rm sh -c 'echo $$'
expect "the command is PID 1" '[[ $RC -eq 0 && $OUT == 1 ]]'
run_rm --hostname box1 hostname
expect "hostname is set" '[[ $OUT == box1 ]]'
run_rm sh -c 'ls /proc | grep -c "^[0-9]"'
expect "no host processes visible" '[[ $RC -eq 0 && $OUT -le 3 ]]'
run_rm sh -c 'cat /proc/keys /proc/timer_list | wc -c; ls /sys/firmware | wc -l; ls /proc/acpi 2>/dev/null | wc -l'
expect "masked paths are empty" '[[ $RC -eq 0 && $(echo $OUT) == "0 0 0" ]]'
run_rm sh -c 'echo 1 > /proc/sys/kernel/domainname'
expect "/proc/sys is read-only" '[[ $RC -ne 0 && $ERR == *"Read-only"* ]]'
run_rm sh -c 'echo x > /sys/kernel/profiling'
expect "/sys is read-only" '[[ $RC -ne 0 ]]'
run_rm sh -c 'ls /dev; readlink /dev/ptmx; mount | grep -c " /dev/shm \| /dev/pts \| /dev/mqueue "'
expect "/dev holds the default devices, pts, shm, mqueue" \
  '[[ $OUT == *null* && $OUT == *urandom* && $OUT == *tty* && $OUT == *pts/ptmx* && ${OUT##*$'"'"'\n'"'"'} == 3 ]]'
run_rm sh -c 'ip link 2>/dev/null | grep -c "^[0-9]"; cat /sys/class/net/lo/operstate'
expect "own network namespace with loopback only" '[[ $OUT == 1* ]]'
run_rm --network host sh -c 'ls /sys/class/net | wc -l'
expect "--network host sees the host's interfaces" '[[ $OUT -eq $(ls /sys/class/net | wc -l) ]]'
run_rm sh -c 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes >/dev/null && echo ok'
expect "cgroup file system mounted at /sys/fs/cgroup" '[[ $OUT == ok ]]'

# --- security --------------------------------------------------------------------------------
run_rm grep CapEff /proc/self/status
expect "default capabilities are the 14 (a80425fb)" '[[ $OUT == *00000000a80425fb ]]'
run_rm --cap-drop ALL grep CapEff /proc/self/status
expect "--cap-drop ALL leaves none" '[[ $OUT == *0000000000000000 ]]'
run_rm --cap-add NET_ADMIN --cap-drop CHOWN grep CapEff /proc/self/status
expect "--cap-add/--cap-drop adjust the set (a80435fa)" '[[ $OUT == *00000000a80435fa ]]'
run_rm --privileged grep CapEff /proc/self/status
HOST_CAPS=$(grep CapPrm /proc/self/status | cut -f2)
expect "--privileged gets every capability the host allows" '[[ $OUT == *"$HOST_CAPS" ]]'
run_rm unshare -U true
expect "RuntimeDefault seccomp blocks unshare" '[[ $RC -ne 0 && $ERR == *"not permitted"* ]]'
run_rm --seccomp unconfined unshare -U true
expect "Unconfined seccomp allows unshare" '[[ $RC -eq 0 ]]'
cat >"$TMP/profile.json" <<'JSON'
{"defaultAction": "SCMP_ACT_ALLOW",
 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}
JSON
run_rm --seccomp "$TMP/profile.json" mkdir /newdir
expect "Localhost seccomp profile from a file applies" '[[ $RC -ne 0 && $ERR == *"Permission denied"* ]]'
run_rm --no-new-privileges grep NoNewPrivs /proc/self/status
expect "--no-new-privileges sets no_new_privs" '[[ $OUT == *1 ]]'
run_rm grep NoNewPrivs /proc/self/status
expect "no_new_privs off by default" '[[ $OUT == *0 ]]'
run_rm --read-only sh -c 'touch /x'
expect "--read-only root file system" '[[ $RC -ne 0 && $ERR == *"Read-only"* ]]'
run_rm --user app id
expect "--user NAME resolves uid, gid and groups in the image" \
  '[[ $OUT == "uid=1000(app) gid=1000(app) groups=29(audio),44(video)" ]]'
run_rm --user 1000:44 sh -c 'id -u; id -g; grep CapEff /proc/self/status'
expect "--user UID:GID, no capabilities for non-root" '[[ $OUT == $'"'"'1000\n44\nCapEff:\t0000000000000000'"'"' ]]'
run_rm --user nosuchuser id
expect "unknown user is a clear error" '[[ $RC -ne 0 && $ERR == *"unable to find user nosuchuser"* ]]'
run_rm -e FOO=bar -e "LIST=a,b" -w /home/app sh -c 'echo $FOO $LIST; pwd; umask'
expect "environment, working directory, umask" '[[ $OUT == $'"'"'bar a,b\n/home/app\n0022'"'"' ]]'
run_rm --sysctl net.ipv4.ip_unprivileged_port_start=80 cat /proc/sys/net/ipv4/ip_unprivileged_port_start
expect "namespaced sysctl is set" '[[ $OUT == 80 ]]'
run_rm --sysctl kernel.panic=1 true
expect "non-namespaced sysctl is refused" '[[ $RC -ne 0 && $ERR == *"not namespaced"* ]]'
run_rm --oom-score-adj 500 cat /proc/self/oom_score_adj
expect "oom_score_adj is set" '[[ $OUT == 500 ]]'

# --- volumes ---------------------------------------------------------------------------------
mkdir -p "$TMP/vol" && echo from-host >"$TMP/vol/file"
run_rm -v "$TMP/vol:/data" sh -c 'cat /data/file; echo from-ctr > /data/new'
expect "bind mount read-write" '[[ $OUT == from-host && $(cat $TMP/vol/new) == from-ctr ]]'
run_rm -v "$TMP/vol:/data:ro" sh -c 'echo x > /data/other'
expect "bind mount read-only" '[[ $RC -ne 0 && ! -e $TMP/vol/other ]]'

# --- limits ----------------------------------------------------------------------------------
ctr run --name hog --memory 32Mi --rootfs "$ROOTFS" sh -c 'x=a; while true; do x="$x$x"; done'
expect "memory hog exits 137" '[[ $RC -eq 137 ]]'
expect "memory hog reason OOMKilled" '[[ $(inspect_field hog "d[\"status\"][\"reason\"]") == OOMKilled ]]'
ctr rm hog
run_rm --pids-limit 8 sh -c 'i=0; while [ $i -lt 20 ]; do sleep 30 & i=$((i+1)); done; echo spawned'
expect "pids limit stops a fork bomb" '[[ $ERR == *"can'"'"'t fork"* || $ERR == *"Resource temporarily unavailable"* ]]'
ctr run -d --name spin --cpus 0.1 --rootfs "$ROOTFS" sh -c 'while :; do :; done'
throttled() { [[ $(inspect_field spin "d.get(\"stats\",{}).get(\"cpu_throttled_periods\",0)") -gt 2 ]]; }
if wait_until 20 throttled; then pass "CPU quota throttles (--cpus 0.1)"; else fail "CPU quota throttles" "$(inspect_field spin 'd.get("stats")')"; fi
quota=$(cat /sys/fs/cgroup/cpu/$CGROOT/sampan/*/cpu.cfs_quota_us 2>/dev/null | head -1)
[[ $quota == 10000 ]] && pass "CFS quota 10000/100000 for 0.1 CPU" || fail "CFS quota" "quota=$quota"
ctr stop -t 0 spin
ctr rm spin

# --- start failures leave nothing behind -----------------------------------------------------
cg_before=$(cgroup_dirs)
run_rm nosuchprogram
expect "missing executable exits 127" '[[ $RC -eq 127 && $ERR == *"executable file not found"* ]]'
ctr run --name missing --rootfs "$ROOTFS" /bin/nope
expect "missing executable recorded in status" \
  '[[ $(inspect_field missing "d[\"status\"][\"message\"]") == *"executable file not found"* ]]'
ctr rm missing
run_rm -w /etc/passwd true
expect "a failing phase names the phase and the system call" \
  '[[ $RC -ne 0 && $ERR == *"working directory: chdir(/etc/passwd)"* ]]'
ctr run --rm nosuchimage:1.0 true
expect "image not present is a clear error" '[[ $RC -ne 0 && $ERR == *"nosuchimage:1.0"*"not present"* ]]'
ctr run --rm --rootfs "$TMP/nonexistent" true
expect "missing rootfs directory is a clear error" '[[ $RC -ne 0 && $ERR == *"not found"* ]]'
[[ $(cgroup_dirs) -eq $cg_before ]] && pass "failed starts leave no cgroups" || fail "failed starts leave no cgroups" "$(cgroup_dirs) vs $cg_before"
ctr ps -a -q
[[ -z $OUT ]] && pass "--rm removed every failed container" || fail "--rm after failures" "$OUT"

# --- stdin, tty, logs ------------------------------------------------------------------------
OUT=$(echo piped-in | timeout 30 "$BIN" ctr run --rm -i --rootfs "$ROOTFS" cat)
[[ $OUT == piped-in ]] && pass "-i passes stdin" || fail "-i passes stdin" "$OUT"
run_rm -t sh -c 'tty; echo done'
expect "-t gives a terminal" '[[ $OUT == *"/dev/pts/0"* && $OUT == *done* ]]'
ctr run --name logger --log-max-size 4Ki --log-max-files 3 --rootfs "$ROOTFS" \
  sh -c 'i=0; while [ $i -lt 400 ]; do echo "line $i"; i=$((i+1)); done'
LOG=$TMP/data/agent/containers/$(inspect_field logger 'd["status"]["id"]')/container.log
if [[ -f $LOG && -f $LOG.1 && -f $LOG.2 && ! -e $LOG.3 ]]; then pass "log rotates (3 files kept)"; else fail "log rotation" "$(ls $(dirname $LOG))"; fi
big=$(stat -c %s "$LOG" "$LOG.1" | sort -n | tail -1)
[[ $big -le 4096 ]] && pass "rotated files stay under the size" || fail "rotated size" "$big"
head -1 "$LOG" | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{9}Z stdout F line [0-9]+$' &&
  pass "CRI log line format" || fail "CRI log line format" "$(head -1 "$LOG")"
ctr logs --tail 3 logger
expect "logs --tail" '[[ $OUT == $'"'"'line 397\nline 398\nline 399'"'"' ]]'
ctr logs -t --tail 1 logger
expect "logs --timestamps" '[[ $OUT =~ ^[0-9-]+T[0-9:.]+Z\ line\ 399$ ]]'
ctr logs --since 2200-01-01T00:00:00Z logger
expect "logs --since filters" '[[ $RC -eq 0 && -z $OUT ]]'
ctr rm logger
run_rm sh -c 'head -c 40000 /dev/zero | tr "\0" a; echo; echo next'
expect "a 40000-byte line comes back whole" '[[ ${#OUT} -eq 40005 && $OUT == *next ]]'
ctr run --name longline --rootfs "$ROOTFS" sh -c 'head -c 40000 /dev/zero | tr "\0" a; echo'
LOG=$TMP/data/agent/containers/$(inspect_field longline 'd["status"]["id"]')/container.log
[[ $(grep -c " stdout P " "$LOG") -eq 2 && $(grep -c " stdout F " "$LOG") -eq 1 ]] &&
  pass "lines over 16 KiB are split into P entries" || fail "16 KiB split" "$(cut -c1-60 "$LOG")"
ctr rm longline
ctr run -d --name follower --rootfs "$ROOTFS" sh -c 'for i in 1 2 3; do echo tick$i; sleep 0.2; done'
ctr logs -f follower
expect "logs -f follows until the container exits" '[[ $OUT == $'"'"'tick1\ntick2\ntick3'"'"' ]]'
ctr rm follower

# --- exec, stop, re-adoption -----------------------------------------------------------------
"$BIN" ctr run --name keeper --rootfs "$ROOTFS" sleep 1000 >/dev/null 2>&1 &
cli=$!
BG_PIDS+=("$cli")
running() { "$BIN" ctr ps 2>/dev/null | grep -q keeper; }
wait_until 20 running || fail "keeper starts" ""
kill -KILL "$cli"
wait "$cli" 2>/dev/null
ctr ps
expect "container survives its sampan process being killed" '[[ $OUT == *keeper* && $OUT == *Up* ]]'
# Every hierarchy the runtime manages holds the container's process (it joins by itself).
kpid=$(inspect_field keeper 'd["status"]["pid"]')
kdir=$(grep -l -x "$kpid" /sys/fs/cgroup/memory/$CGROOT/sampan/*/cgroup.procs 2>/dev/null | head -1)
kdir=${kdir%/cgroup.procs}
kdir=${kdir##*/}
hierarchies=$(ls -d /sys/fs/cgroup/*/$CGROOT/sampan/"$kdir" 2>/dev/null | wc -l)
joined=$(grep -l -x "$kpid" /sys/fs/cgroup/*/$CGROOT/sampan/"$kdir"/cgroup.procs 2>/dev/null | wc -l)
[[ -n $kdir && $hierarchies -ge 4 && $joined -eq $hierarchies ]] &&
  pass "the container's process is in its cgroup in all $hierarchies hierarchies" ||
  fail "container cgroup membership" "pid=$kpid dir=$kdir $joined of $hierarchies"
ctr exec keeper sh -c 'echo $$ $FOO; exit 7'
expect "exec returns the exit code" '[[ $RC -eq 7 ]]'
ctr exec -e FOO=x keeper sh -c 'cat /proc/1/cmdline | tr "\0" " "; echo $FOO; grep CapEff /proc/self/status'
expect "exec joins the container (namespaces, caps)" \
  '[[ $OUT == *"sleep 1000"* && $OUT == *x* && $OUT == *a80425fb* ]]'
# Inside the container's cgroup namespace its own cgroup reads as "/"; elsewhere "/..".
ctr exec keeper sh -c 'grep -E ":(cpu|cpuacct|memory|pids):" /proc/self/cgroup'
expect "exec joins the container's cgroup in every hierarchy" \
  '[[ $RC -eq 0 && $(grep -c ":/$" <<<"$OUT") -eq 4 && $(wc -l <<<"$OUT") -eq 4 ]]'
ctr exec keeper unshare -U true
expect "exec keeps the seccomp profile" '[[ $RC -ne 0 ]]'
ctr exec keeper nosuch
expect "exec of a missing command exits 127" '[[ $RC -eq 127 && $ERR == *"executable file not found"* ]]'
ctr exec -t keeper tty
expect "exec -t gives a terminal" '[[ $RC -eq 0 && $OUT == /dev/pts/* ]]'
OUT=$(echo to-exec | timeout 30 "$BIN" ctr exec -i keeper cat)
[[ $OUT == to-exec ]] && pass "exec -i streams stdin" || fail "exec -i" "$OUT"
SECONDS_BEFORE=$SECONDS
ctr stop -t 1 keeper
expect "stop kills after the grace period (137)" \
  '[[ $RC -eq 0 && $(inspect_field keeper "d[\"status\"][\"exit_code\"]") == 137 ]]'
ctr rm keeper
ctr run -d --name polite --rootfs "$ROOTFS" sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done'
ctr stop -t 30 polite
code=$(inspect_field polite 'd["status"]["exit_code"]')
[[ $code == 0 ]] && pass "stop sends SIGTERM first (trapped, exit 0)" || fail "stop SIGTERM" "exit $code"
ctr rm polite
ctr run -d --name usr1 --stop-signal USR1 --rootfs "$ROOTFS" sh -c 'trap "exit 4" USR1; while :; do sleep 0.1; done'
ctr stop -t 30 usr1
code=$(inspect_field usr1 'd["status"]["exit_code"]')
[[ $code == 4 ]] && pass "stop uses the stop signal" || fail "stop signal" "exit $code"
ctr rm usr1
ctr run -d --name orphan --rootfs "$ROOTFS" sleep 1000
shim=$(inspect_field orphan 'd["status"]["shim_pid"]')
orphan_pid=$(inspect_field orphan 'd["status"]["pid"]')
kill -KILL "$shim"
# SIGKILL takes effect when the shim next runs: wait until it is dead (gone or a zombie).
shim_dead() { [[ ! -e /proc/$shim/stat || $(awk '{print $3}' "/proc/$shim/stat" 2>/dev/null) == [ZX] ]]; }
wait_until 10 shim_dead || fail "shim killed" "pid $shim"
# Without its shim nobody logs or records its end: it is reported exited and killed.
reason=$(inspect_field orphan 'd["status"]["state"] + "/" + d["status"]["reason"]')
[[ $reason == exited/Unknown ]] && pass "a container whose shim died is reported exited (Unknown)" || fail "orphan status" "$reason"
orphan_gone() { ! kill -0 "$orphan_pid" 2>/dev/null; }
wait_until 10 orphan_gone && pass "and its unsupervised process is killed" || fail "orphan killed" "pid $orphan_pid"
ctr stop -t 0 orphan
reason=$(inspect_field orphan 'd["status"]["reason"]')
[[ $RC -eq 0 && $reason == Unknown ]] && pass "stopping it without its shim records exit Unknown" || fail "orphan stop" "rc=$RC reason=$reason $ERR"
ctr rm orphan
[[ $RC -eq 0 && $(find /sys/fs/cgroup/memory/$CGROOT/sampan -mindepth 1 -type d | wc -l) -eq 0 ]] &&
  pass "rm removes the cgroup the dead shim left" || fail "orphan rm" "$ERR $(find /sys/fs/cgroup/memory/$CGROOT/sampan -mindepth 1)"
ctr run -d --name busy --rootfs "$ROOTFS" sleep 100
ctr rm busy
expect "rm refuses a running container" '[[ $RC -ne 0 && $ERR == *running* ]]'
ctr rm -f busy
expect "rm -f removes a running container" '[[ $RC -eq 0 ]]'

# --- pod sandboxes -----------------------------------------------------------------------------
ctr pod run --name pod1 --hostname podhost
POD=$OUT
[[ $RC -eq 0 && -n $POD ]] && pass "pod sandbox starts" || fail "pod run" "$ERR"
ctr run -d --pod "$POD" --name a --rootfs "$ROOTFS" sleep 1000
ctr run -d --pod "$POD" --name b --rootfs "$ROOTFS" sleep 1000
NS_CMD='for n in net uts ipc pid; do readlink /proc/self/ns/$n; done'
ns_a=$("$BIN" ctr exec a sh -c "$NS_CMD")
ns_b=$("$BIN" ctr exec b sh -c "$NS_CMD")
net_a=$(echo "$ns_a" | head -3); net_b=$(echo "$ns_b" | head -3)
[[ -n $net_a && $net_a == "$net_b" ]] && pass "pod containers share net, uts, ipc" || fail "pod sharing" "$ns_a / $ns_b"
[[ $(echo "$ns_a" | tail -1) != $(echo "$ns_b" | tail -1) ]] && pass "pod containers keep their own PID namespaces" || fail "pid ns per container" "$ns_a"
ctr exec a hostname
expect "pod hostname" '[[ $OUT == podhost ]]'
[[ $(ls -d /sys/fs/cgroup/memory/$CGROOT/kubepods/besteffort/pod$POD/*/ 2>/dev/null | wc -l) -eq 3 ]] &&
  pass "pod cgroup layout kubepods/besteffort/pod<id>/<container>" || fail "pod cgroup layout" "$(find /sys/fs/cgroup/memory/$CGROOT -type d)"
ctr pod rm "$POD"
ctr ps -a -q
[[ $RC -eq 0 && -z $OUT ]] && pass "pod rm removes its containers" || fail "pod rm" "$OUT $ERR"
ctr pod run --share-pid --name pod2
POD=$OUT
ctr run -d --pod "$POD" --name c --rootfs "$ROOTFS" sleep 1000
ctr exec c sh -c 'ps -o pid,args | grep -E "^ +1 "'
expect "shared PID namespace: the holder is PID 1" '[[ $OUT == *"shim sandbox"* ]]'
ctr pod rm "$POD"

# --- cleanup -----------------------------------------------------------------------------------
ctr ps -a -q
[[ -z $OUT ]] || "$BIN" ctr rm -f $OUT >/dev/null 2>&1
remaining=$(find /sys/fs/cgroup -mindepth 2 -type d -path "*/$CGROOT/*" 2>/dev/null | grep -v -E "/$CGROOT/(sampan|kubepods)(/besteffort)?$" | wc -l)
[[ $remaining -eq 0 ]] && pass "no container cgroups left" || fail "cgroups left" "$(find /sys/fs/cgroup -type d -path "*/$CGROOT/*" | head)"
[[ $(shim_procs) -eq 0 ]] && pass "no shim or container processes left" || fail "processes left" "$(pgrep -af -- "$TMP/data")"
[[ $(host_mounts) -eq $MOUNTS_BEFORE ]] && pass "host mount table unchanged" || fail "mounts" "$(host_mounts) vs $MOUNTS_BEFORE"
finish
