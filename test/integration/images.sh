#!/usr/bin/env bash
# `sampan images`: import (OCI layout and docker archives, plain/gzip/zstd), ls, rm, export,
# prune, and pulls from Debian's docker-registry on loopback: anonymous, through a mirror
# with a rewrite, with token auth (a small token server), and from a registry serving a
# corrupted blob. Temp dirs and 127.0.0.1 only; every process started here is stopped.
# Usage: SAMPAN_BIN=build/sampan test/integration/images.sh
set -uo pipefail

BIN=$(readlink -f "${SAMPAN_BIN:-build/sampan}")
BUILD=$(dirname "$BIN")
REPO=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  rm -rf "$TMP"
}
trap cleanup EXIT
while read -r name; do
  [[ $name == SAMPAN_BIN ]] || unset "$name"
done < <(compgen -e | grep '^SAMPAN_')

source "$(dirname "$0")/lib/harness.sh"

DATA=$TMP/data
img() { "$BIN" images "$@" --data-dir "$DATA"; }

mkdir -p "$TMP/img"
if ! "$BUILD/test/helpers/mkimage" "$TMP/img"; then
  fail "fixtures" "mkimage failed"
  finish
  exit 1
fi

# --- the fuzz targets replay the fixtures (they must not crash on real images) ------------
if [[ -x $BUILD/fuzz/fuzz_unpack && -x $BUILD/fuzz/fuzz_manifest ]]; then
  layers=$(find "$TMP/img/busybox.layout/blobs" "$TMP/img/multi.layout/blobs" -type f)
  # shellcheck disable=SC2086
  check "fuzz_unpack replays the fixture layers" "$BUILD/fuzz/fuzz_unpack" $layers
  # shellcheck disable=SC2086
  check "fuzz_manifest replays the fixture documents" "$BUILD/fuzz/fuzz_manifest" $layers \
    "$TMP/img/multi.layout/index.json"
fi

# --- import, ls, export, rm, prune ---------------------------------------------------------
out=$(img import "$TMP/img/busybox.oci.tar" "$TMP/img/busybox.docker.tar.gz" \
  "$TMP/img/multi.oci.tar.zst" "$TMP/img/multi.docker.tar" 2>&1)
contains "import names the images" "$out" "imported example.com/multi:1"
ls_out=$(img ls)
for name in docker.io/library/busybox:fixture docker.io/library/busybox:docker \
  example.com/multi:1 docker.io/library/multi:docker; do
  contains "ls shows $name" "$ls_out" "$name"
done
out=$(img import "$TMP/img" 2>&1)
contains "import of a non-image directory fails clearly" "$out" "not an OCI image layout"

# The snapshots stack as overlayfs lower layers (in a private mount namespace): whiteouts
# hide, opaque directories hide the lower contents, the top layer wins.
lower=$(img inspect example.com/multi:1 | /usr/bin/python3 -c 'import json,sys; print(":".join(json.load(sys.stdin)["layers"]))')
mkdir -p "$TMP/merged"
merged=$(unshare --mount sh -c "mount -t overlay overlay -o lowerdir=$lower $TMP/merged &&
  cat $TMP/merged/etc/hostname; ls $TMP/merged/etc $TMP/merged/opaque; cat $TMP/merged/srv/index.html" 2>&1)
contains "overlay: top layer wins" "$merged" "top"
contains "overlay: opaque dir shows only the new file" "$merged" "new"
[[ $merged != *remove-me* && $merged != *old-1* && $merged == *hello* ]] &&
  pass "overlay: whiteouts and opaque dirs hide lower entries" ||
  fail "overlay: whiteouts and opaque dirs hide lower entries" "$merged"
[[ -z $(ls -A "$TMP/merged") ]] && pass "overlay mount stayed in its namespace" ||
  fail "overlay mount stayed in its namespace"

check "export writes an archive" img export busybox:fixture "$TMP/exported.tar"
check "skopeo reads the exported archive" skopeo inspect "oci-archive:$TMP/exported.tar"
check "rm by name" img rm busybox:docker
ls_out=$(img ls --quiet)
[[ $ls_out != *busybox:docker* && $ls_out == *busybox:fixture* ]] &&
  pass "rm removes only that name" || fail "rm removes only that name" "$ls_out"
out=$(img rm nosuch:image 2>&1)
contains "rm of a missing image fails" "$out" "not found"
out=$(img prune --all)
contains "prune --all removes unused images" "$out" "removed 3 images"
[[ -z $(ls "$DATA/agent/images/blobs/sha256") && -z $(ls "$DATA/agent/images/snapshots") ]] &&
  pass "prune leaves no blobs or snapshots" || fail "prune leaves no blobs or snapshots"
check "re-import after prune" img import "$TMP/img/busybox.docker.tar.gz"

# --- a plain registry on loopback ----------------------------------------------------------
start_registry() {  # NAME PORT [extra yaml]
  local name=$1 port=$2
  mkdir -p "$TMP/$name"
  cat >"$TMP/$name.yml" <<YAML
version: 0.1
log: {level: error}
storage:
  filesystem: {rootdirectory: $TMP/$name}
  delete: {enabled: true}
http:
  addr: 127.0.0.1:$port
${3:-}
YAML
  docker-registry serve "$TMP/$name.yml" >"$TMP/$name.log" 2>&1 &
  PIDS+=($!)
  wait_until 20 curl -s -o /dev/null "http://127.0.0.1:$port/v2/"
}
push() {  # SRC DEST [creds]
  skopeo copy --quiet --dest-tls-verify=false ${3:+--dest-creds "$3"} "$1" "$2" >"$TMP/push.log" 2>&1
}

P1=$(free_port)
if ! command -v docker-registry >/dev/null || ! command -v skopeo >/dev/null; then
  fail "registry tools" "docker-registry and skopeo are needed (scripts/deps.sh)"
  finish
  exit 1
fi
start_registry reg1 "$P1" && pass "registry starts" || fail "registry starts" "$(cat "$TMP/reg1.log")"
check "push busybox" push "oci:$TMP/img/busybox.layout:fixture" "docker://127.0.0.1:$P1/library/busybox:1"
check "push multi" push "oci:$TMP/img/multi.layout:fixture" "docker://127.0.0.1:$P1/mirrored/multi:1"

cat >"$TMP/registries.yaml" <<YAML
mirrors:
  "127.0.0.1:$P1":
    endpoint: ["http://127.0.0.1:$P1"]
  # A registry name nothing serves, mirrored (with a repository rewrite) by reg1.
  "127.0.0.2:$P1":
    endpoint: ["http://127.0.0.1:$P1"]
    rewrite:
      "^library/(.*)": "mirrored/\$1"
YAML
out=$(img pull "127.0.0.1:$P1/library/busybox:1" --private-registry "$TMP/registries.yaml" 2>&1)
contains "anonymous pull" "$out" "pulled 127.0.0.1:$P1/library/busybox:1"
contains "pull downloads the layer" "$out" "MB downloaded"
# On a terminal (script gives one) the pull draws per-layer progress.
rm -rf "$TMP/tty-data"
script -qec "$BIN images pull 127.0.0.1:$P1/library/busybox:1 --data-dir $TMP/tty-data --private-registry $TMP/registries.yaml" /dev/null >"$TMP/tty.out" 2>&1
contains "progress on a terminal" "$(cat "$TMP/tty.out")" "done"
[[ $out != *$'\x1b['* ]] && pass "no progress when not a terminal" || fail "no progress when not a terminal"
out=$(img pull "127.0.0.2:$P1/library/multi:1" --private-registry "$TMP/registries.yaml" 2>&1)
contains "pull through a mirror with a rewrite" "$out" "pulled 127.0.0.2:$P1/library/multi:1"
out=$(img pull "127.0.0.1:$P1/library/busybox:1" 2>&1)
contains "plain HTTP is refused unless configured" "$out" "error"
out=$(img pull "127.0.0.1:$P1/library/nosuch:1" --private-registry "$TMP/registries.yaml" 2>&1)
contains "pull of a missing image fails" "$out" "404"
ls_out=$(img ls)
contains "pulled image listed" "$ls_out" "127.0.0.2:$P1/library/multi:1"

# --- a registry serving a corrupted blob ---------------------------------------------------
check "push a second copy" push "oci:$TMP/img/multi.layout:fixture" "docker://127.0.0.1:$P1/corrupt/multi:1"
layer=$(/usr/bin/python3 - "$TMP/img/multi.layout" <<'PY'
import json, sys
d = sys.argv[1]
idx = json.load(open(d + "/index.json"))
m = json.load(open(d + "/blobs/sha256/" + idx["manifests"][0]["digest"][7:]))
print(m["layers"][1]["digest"][7:])
PY
)
blob=$TMP/reg1/docker/registry/v2/blobs/sha256/${layer:0:2}/$layer/data
if [[ -f $blob ]]; then
  /usr/bin/python3 - "$blob" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[len(b) // 2] ^= 0xff
open(p, "wb").write(bytes(b))
PY
  rm -rf "$DATA"
  out=$(img pull "127.0.0.1:$P1/corrupt/multi:1" --private-registry "$TMP/registries.yaml" 2>&1)
  contains "corrupted blob fails the pull" "$out" "digest mismatch"
  [[ -z $(img ls --quiet) ]] && pass "failed pull leaves no image" || fail "failed pull leaves no image"
  [[ -z $(ls "$DATA/agent/images/blobs/sha256") && -z $(ls "$DATA/agent/images/snapshots") ]] &&
    pass "failed pull keeps no blobs or snapshots" ||
    fail "failed pull keeps no blobs or snapshots" "$(ls "$DATA/agent/images/"{blobs/sha256,snapshots})"
else
  fail "corrupted blob" "no blob file at $blob"
fi

# --- token auth ----------------------------------------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/token.key" -out "$TMP/token.crt" \
  -days 1 -subj /CN=sampan-token >/dev/null 2>&1
/usr/bin/python3 "$REPO/test/integration/lib/token_server.py" "$TMP/token.port" "$TMP/token.key" \
  "$TMP/token.crt" sampan-issuer sampan-registry alice s3cret "$TMP/token.log" &
PIDS+=($!)
wait_until 20 test -s "$TMP/token.port" && pass "token server starts" || fail "token server starts"
TP=$(cat "$TMP/token.port" 2>/dev/null)
P2=$(free_port)
start_registry reg2 "$P2" "auth:
  token:
    realm: http://127.0.0.1:$TP/token
    service: sampan-registry
    issuer: sampan-issuer
    rootcertbundle: $TMP/token.crt" && pass "token registry starts" || fail "token registry starts" "$(cat "$TMP/reg2.log")"
check "push with token auth" push "oci:$TMP/img/busybox.layout:fixture" "docker://127.0.0.1:$P2/private/busybox:1" alice:s3cret
write_auth() {  # write_auth AUTH: registries.yaml for the token registry with that auth map
  cat >"$TMP/auth.yaml" <<YAML
mirrors:
  "127.0.0.1:$P2":
    endpoint: ["http://127.0.0.1:$P2"]
configs:
  "127.0.0.1:$P2":
    auth: {$1}
YAML
}
write_auth "username: alice, password: wrong"
: >"$TMP/token.log"
out=$(img pull "127.0.0.1:$P2/private/busybox:1" --private-registry "$TMP/auth.yaml" 2>&1)
contains "wrong password is refused" "$out" "token server"
write_auth "username: alice, password: s3cret"
out=$(img pull "127.0.0.1:$P2/private/busybox:1" --private-registry "$TMP/auth.yaml" 2>&1)
contains "pull with token auth" "$out" "pulled 127.0.0.1:$P2/private/busybox:1"
contains "token asked for pull scope" "$(cat "$TMP/token.log")" "granted ['repository:private/busybox:pull']"
# An identity token (OAuth2 refresh token) instead of a password.
write_auth "identitytoken: wrong"
out=$(img pull "127.0.0.1:$P2/private/busybox:1" --private-registry "$TMP/auth.yaml" 2>&1)
contains "a wrong identity token is refused" "$out" "token server"
: >"$TMP/token.log"
write_auth "identitytoken: s3cret"
out=$(img pull "127.0.0.1:$P2/private/busybox:1" --private-registry "$TMP/auth.yaml" 2>&1)
contains "pull with an identity token" "$out" "pulled 127.0.0.1:$P2/private/busybox:1"
contains "the token server got a refresh-token grant" "$(cat "$TMP/token.log")" "granted oauth ['repository:private/busybox:pull']"

finish
