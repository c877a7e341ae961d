#!/usr/bin/env bash
# Installs the Debian packages sampan's build and tests need. Idempotent; quick when all
# packages are already present.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config ccache git file
  libuv1-dev libsqlite3-dev libssl-dev libc-ares-dev libhttp-parser-dev
  libspdlog-dev libfmt-dev nlohmann-json3-dev libyaml-cpp-dev
  libarchive-dev libnl-3-dev libnl-route-3-dev libseccomp-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  util-linux procps curl python3-kubernetes
  # pod network tests: nft reads sampan's rules back; ip, bridge (iproute2) inspect links.
  nftables iproute2
  # images: zstd decompression; test registry, pushing, the skopeo+umoci baseline of the
  # benchmark, and the static busybox the test images are built from.
  libzstd-dev docker-registry skopeo umoci busybox-static openssl
  # containers: the runc baseline of the benchmark, the VM test of cgroup v2.
  runc qemu-system-x86 cpio
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi
echo "deps: installing ${missing[*]}"
SUDO=""
[[ $(id -u) -ne 0 ]] && SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
