#!/usr/bin/env bash
# Garbage collection as kubectl users see it: `kubectl delete --cascade=background|
# foreground|orphan` on an owner with dependents (ownerReferences), kubectl 1.27 and 1.33.
# Ends with "N passed, N failed".
set -uo pipefail
source "$(dirname "$0")/lib/common.sh"

require_server

for version in 1.27 1.33; do
  use_kubectl "$version" || continue
  ns="gc${version/./}"
  k create namespace "$ns" >/dev/null
  # owner NAME -> creates a ConfigMap owner and a Secret dependent "NAME-dep" that blocks it.
  owned() {
    k -n "$ns" create configmap "$1" >/dev/null
    local uid
    uid=$(k -n "$ns" get configmap "$1" -o jsonpath='{.metadata.uid}')
    cat <<YAML | k apply -f - >/dev/null
apiVersion: v1
kind: Secret
metadata:
  name: $1-dep
  namespace: $ns
  ownerReferences: [{apiVersion: v1, kind: ConfigMap, name: $1, uid: $uid, blockOwnerDeletion: true}]
YAML
  }
  gone() { ! k -n "$ns" get "$1" "$2" >/dev/null 2>&1; }

  owned bg
  check "$version delete (background)" k -n "$ns" delete configmap bg
  if wait_until 10 gone secret bg-dep; then pass "$version background: dependent deleted"; else fail "$version background: dependent deleted"; fi

  owned fg
  check "$version delete --cascade=foreground" k -n "$ns" delete configmap fg --cascade=foreground --timeout=20s
  if gone secret fg-dep && gone configmap fg; then pass "$version foreground: dependent gone before owner"; else fail "$version foreground: dependent gone before owner"; fi

  owned keep
  check "$version delete --cascade=orphan" k -n "$ns" delete configmap keep --cascade=orphan --timeout=20s
  if wait_until 10 gone configmap keep; then pass "$version orphan: owner deleted"; else fail "$version orphan: owner deleted"; fi
  out=$(k -n "$ns" get secret keep-dep -o jsonpath='{.metadata.name} refs={.metadata.ownerReferences}' 2>&1)
  contains "$version orphan: dependent kept without its owner reference" "$out" "keep-dep refs="
  if [[ $out != *ConfigMap* ]]; then pass "$version orphan: reference removed"; else fail "$version orphan: reference removed" "$out"; fi
  k delete namespace "$ns" --wait=false >/dev/null
done

finish
