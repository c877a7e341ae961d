#!/usr/bin/env bash
# `make test-vm`: the container runtime on cgroup v2, for real. Boots Debian's cloud kernel
# (linux-image-cloud-amd64, fetched with apt-get download and cached under $CACHE) under
# qemu-system-x86_64 (KVM when /dev/kvm is usable, else software emulation) with an
# initramfs holding sampan (static, or dynamic with its shared libraries copied in and the
# binary stripped), busybox and the busybox test rootfs; /init mounts
# cgroup2 (cpu, memory, pids), loads overlay, runs test/vm/vm_tests.sh and powers off. The
# guest prints PASS/FAIL lines and "N passed, N failed", which this script passes on.
# Usage: test/vm/run_vm.sh SAMPAN_BINARY [CACHE_DIR]
set -euo pipefail
SAMPAN=${1:?usage: run_vm.sh SAMPAN_BINARY [CACHE_DIR]}
CACHE=${2:-build/vm}
REPO=$(cd "$(dirname "$0")/../.." && pwd)
TIMEOUT=${VM_TIMEOUT:-240}

fail_setup() { echo "FAIL vm setup: $*"; echo "0 passed, 1 failed"; exit 1; }
[[ -x $SAMPAN ]] || fail_setup "no sampan binary at $SAMPAN"
command -v qemu-system-x86_64 >/dev/null || fail_setup "qemu-system-x86_64 missing (apt-get install qemu-system-x86)"
command -v cpio >/dev/null || fail_setup "cpio missing (apt-get install cpio)"
mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)

# --- kernel: the metapackage names the versioned image package -----------------------------
if ! ls "$CACHE"/kernel/boot/vmlinuz-* >/dev/null 2>&1; then
  (
    cd "$CACHE"
    rm -f ./*.deb
    apt-get download linux-image-cloud-amd64 >/dev/null 2>&1 || exit 1
    pkg=$(dpkg-deb -f linux-image-cloud-amd64_*.deb Depends | grep -o 'linux-image-[^ ,]*-cloud-amd64' | head -1)
    apt-get download "$pkg" >/dev/null 2>&1 || exit 1
    rm -rf kernel && dpkg-deb -x "$pkg"_*.deb kernel && rm -f ./*.deb
  ) || fail_setup "cannot fetch linux-image-cloud-amd64 with apt-get download"
fi
VMLINUZ=$(ls "$CACHE"/kernel/boot/vmlinuz-* | head -1)
OVERLAY_KO=$(find "$CACHE"/kernel/lib/modules -name overlay.ko | head -1)
[[ -n $OVERLAY_KO ]] || fail_setup "overlay.ko not found in the kernel package"

# --- initramfs ---------------------------------------------------------------------------------
STAGE=$(mktemp -d "$CACHE/stage.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT
"$REPO/test/fixtures/busybox_rootfs.sh" "$STAGE" >/dev/null   # the initramfs's own userland
"$REPO/test/fixtures/busybox_rootfs.sh" "$STAGE/images/busybox" >/dev/null  # the test image
if file -L "$SAMPAN" | grep -q 'statically linked'; then
  cp "$SAMPAN" "$STAGE/bin/sampan"
else
  strip -o "$STAGE/bin/sampan" "$SAMPAN"
  for lib in $(ldd "$SAMPAN" | grep -o '/[^ ]*'); do
    mkdir -p "$STAGE$(dirname "$lib")"
    cp -L "$lib" "$STAGE$lib"
  done
fi
cp "$OVERLAY_KO" "$STAGE/overlay.ko"
cp "$REPO/test/vm/vm_tests.sh" "$STAGE/vm_tests.sh"
cat >"$STAGE/init" <<'INIT'
#!/bin/sh
# Stage 1: pivot_root cannot leave the initramfs's rootfs, so the system moves to a tmpfs.
mount -t proc proc /proc
mkdir -p /mnt
mount -t tmpfs -o size=80% tmpfs /mnt
for d in bin sbin usr etc root home images lib lib64 vm_tests.sh overlay.ko; do
  [ -e /$d ] && cp -a /$d /mnt/
done
mkdir -p /mnt/proc /mnt/sys /mnt/dev /mnt/tmp /mnt/run /mnt/var/lib
cat >/mnt/init2 <<'STAGE2'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t cgroup2 cgroup2 /sys/fs/cgroup
insmod /overlay.ko
echo "vm: kernel $(uname -r), cgroup controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"
sh /vm_tests.sh
echo "vm: done"
poweroff -f
STAGE2
chmod +x /mnt/init2
umount /proc
exec switch_root /mnt /init2
INIT
chmod +x "$STAGE/init"
(cd "$STAGE" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$CACHE/initrd.gz"

# --- boot ----------------------------------------------------------------------------------------
ACCEL=(-machine accel=tcg)
[[ ${VM_KVM:-0} == 1 && -w /dev/kvm ]] && ACCEL=(-machine accel=kvm)  # nested KVM hangs on some hosts
LOG=$CACHE/console.log
timeout "$TIMEOUT" qemu-system-x86_64 "${ACCEL[@]}" -m 1024 -smp 2 -nographic -no-reboot \
  -kernel "$VMLINUZ" -initrd "$CACHE/initrd.gz" -nic none \
  -append "console=ttyS0 quiet loglevel=3 panic=-1 rdinit=/init" </dev/null >"$LOG" 2>&1 || true
tr -d '\r' <"$LOG" | grep -E '^(PASS|FAIL|vm:)' || true
line=$(tr -d '\r' <"$LOG" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -1)
if [[ -z $line ]]; then
  echo "FAIL vm boot: no result (console log: $LOG)"
  tail -20 "$LOG"
  echo "0 passed, 1 failed"
  exit 1
fi
echo "$line"
[[ $line == *" 0 failed" ]]
