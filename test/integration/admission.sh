#!/usr/bin/env bash
# Admission plugins as kubectl users meet them (kubectl 1.27 and 1.33): ResourceQuota
# (`kubectl create quota`, `describe quota`, `get quota`, over-quota 403s with upstream's
# message, two creates racing for the last unit, usage dropping after deletes, dryRun
# charging nothing, cpu/memory quotas requiring resources, a BestEffort-scoped quota),
# LimitRanger (defaults on a new pod, min/max violations, `describe limitrange`) and
# DefaultStorageClass. The server runs without its node agent: pods stay Pending, which is
# all admission needs.
# Ends with "N passed, N failed".
set -uo pipefail
source "$(dirname "$0")/lib/common.sh"

require_server

# used NS QUOTA RESOURCE: the quota's status.used of RESOURCE ("" until counted).
used() { k -n "$1" get quota "$2" -o "jsonpath={.status.used.${3//./\\.}}" 2>/dev/null; }
used_is() { [[ $(used "$1" "$2" "$3") == "$4" ]]; }

pod_yaml() {  # NAME [RESOURCES-JSON]
  cat <<YAML
{"apiVersion":"v1","kind":"Pod","metadata":{"name":"$1"},
 "spec":{"containers":[{"name":"c","image":"busybox","resources":${2:-{\}}}]}}
YAML
}

for version in 1.27 1.33; do
  use_kubectl "$version" || continue
  v=${version/./}
  ns="quota$v"
  k create namespace "$ns" >/dev/null

  # --- object counts ---------------------------------------------------------------------
  # The namespace's kube-root-ca.crt ConfigMap counts too (as upstream): it is there first.
  wait_until 20 k -n "$ns" get configmap kube-root-ca.crt >/dev/null 2>&1
  check "$version create quota" k -n "$ns" create quota counts \
    --hard=pods=2,configmaps=3,services=1,persistentvolumeclaims=2,requests.storage=1Gi
  if wait_until 20 used_is "$ns" counts pods 0; then
    pass "$version quota counted by the controller"
  else
    fail "$version quota counted by the controller" "$(k -n "$ns" get quota counts -o yaml 2>&1)"
  fi
  out=$(k -n "$ns" describe quota counts 2>&1)
  if grep -Eq '^pods +0 +2$' <<<"$out" && grep -Eq '^requests.storage +0 +1Gi$' <<<"$out"; then
    pass "$version describe quota shows used/hard"
  else
    fail "$version describe quota shows used/hard" "$out"
  fi

  check "$version first pod" k -n "$ns" run p1 --image=busybox --restart=Never
  check "$version second pod" k -n "$ns" run p2 --image=busybox --restart=Never
  expect_error "$version third pod over quota" \
    "pods \"p3\" is forbidden: exceeded quota: counts, requested: pods=1, used: pods=2, limited: pods=2" \
    k -n "$ns" run p3 --image=busybox --restart=Never
  contains "$version get quota shows used/hard" "$(k -n "$ns" get quota counts 2>&1)" "pods: 2/2"

  k -n "$ns" delete pod p1 --wait=false >/dev/null 2>&1
  if wait_until 20 used_is "$ns" counts pods 1; then
    pass "$version usage drops after a delete"
  else
    fail "$version usage drops after a delete" "$(k -n "$ns" get quota counts -o yaml 2>&1)"
  fi

  # Two creates race for the last pod: exactly one wins.
  racers=()
  for name in race-a race-b race-c; do
    (k -n "$ns" run "$name" --image=busybox --restart=Never >"$TMP/$name.out" 2>&1; echo $? >"$TMP/$name.rc") &
    racers+=($!)
  done
  wait "${racers[@]}"
  won=0
  for name in race-a race-b race-c; do [[ $(cat "$TMP/$name.rc") == 0 ]] && won=$((won + 1)); done
  expect "$version one of three racing creates wins the last pod" 1 echo "$won"
  expect "$version pods after the race" 2 sh -c "'$K' -n $ns get pods --no-headers | wc -l"
  expect "$version quota after the race" 2 used "$ns" counts pods

  # dryRun runs admission but charges nothing.
  check "$version dry-run configmap" k -n "$ns" create configmap c0 --from-literal=a=b --dry-run=server
  check "$version configmap 1" k -n "$ns" create configmap c1 --from-literal=a=b
  expect "$version dry-run charged nothing" 2 used "$ns" counts configmaps
  check "$version configmap 2" k -n "$ns" create configmap c2 --from-literal=a=b
  expect_error "$version dry-run over quota is refused too" \
    "configmaps \"c3\" is forbidden: exceeded quota: counts, requested: configmaps=1, used: configmaps=3, limited: configmaps=3" \
    k -n "$ns" create configmap c3 --from-literal=a=b --dry-run=server
  expect_error "$version configmap over quota" "exceeded quota: counts, requested: configmaps=1" \
    k -n "$ns" create configmap c3 --from-literal=a=b
  check "$version service" k -n "$ns" create service clusterip s1 --tcp=80:80
  expect_error "$version service over quota" \
    "exceeded quota: counts, requested: services=1, used: services=1, limited: services=1" \
    k -n "$ns" create service clusterip s2 --tcp=80:80
  k -n "$ns" delete configmap c1 >/dev/null 2>&1
  if wait_until 20 used_is "$ns" counts configmaps 2; then
    pass "$version configmap usage drops after a delete"
  else
    fail "$version configmap usage drops after a delete" "$(k -n "$ns" get quota counts -o yaml 2>&1)"
  fi
  pvc() {
    echo "{\"apiVersion\":\"v1\",\"kind\":\"PersistentVolumeClaim\",\"metadata\":{\"name\":\"$1\"},
      \"spec\":{\"accessModes\":[\"ReadWriteOnce\"],\"storageClassName\":\"\",\"resources\":{\"requests\":{\"storage\":\"$2\"}}}}"
  }
  check "$version small claim" sh -c "$(declare -f pvc); pvc small 600Mi | '$K' -n $ns create -f -"
  expect_error "$version claim over the storage quota" \
    "persistentvolumeclaims \"big\" is forbidden: exceeded quota: counts, requested: requests.storage=600Mi, used: requests.storage=600Mi, limited: requests.storage=1Gi" \
    sh -c "$(declare -f pvc); pvc big 600Mi | '$K' -n $ns create -f -"

  # --- compute quota and LimitRange ------------------------------------------------------
  ns="limits$v"
  k create namespace "$ns" >/dev/null
  check "$version compute quota" k -n "$ns" create quota compute --hard=requests.cpu=1,limits.memory=1Gi
  wait_until 20 used_is "$ns" compute requests.cpu 0 || fail "$version compute quota counted"
  expect_error "$version quota needs requests and limits" \
    "pods \"bare\" is forbidden: failed quota: compute: must specify limits.memory for: bare; requests.cpu for: bare" \
    k -n "$ns" run bare --image=busybox --restart=Never
  cat >"$TMP/limits.yaml" <<YAML
apiVersion: v1
kind: LimitRange
metadata: {name: limits}
spec:
  limits:
  - type: Container
    default: {cpu: 500m, memory: 512Mi}
    defaultRequest: {cpu: 200m, memory: 256Mi}
    min: {cpu: 100m}
    max: {memory: 1Gi}
YAML
  check "$version create limitrange" k -n "$ns" create -f "$TMP/limits.yaml"
  out=$(k -n "$ns" describe limitrange limits 2>&1)
  if grep -Eq '^Container +cpu +100m +- +200m +500m' <<<"$out" && grep -Eq '^Container +memory +- +1Gi +256Mi +512Mi' <<<"$out"; then
    pass "$version describe limitrange"
  else
    fail "$version describe limitrange" "$out"
  fi
  check "$version pod gets the defaults" k -n "$ns" run web --image=busybox --restart=Never
  expect "$version default request" "200m 256Mi" \
    k -n "$ns" get pod web -o 'jsonpath={.spec.containers[0].resources.requests.cpu} {.spec.containers[0].resources.requests.memory}'
  expect "$version default limit" "500m 512Mi" \
    k -n "$ns" get pod web -o 'jsonpath={.spec.containers[0].resources.limits.cpu} {.spec.containers[0].resources.limits.memory}'
  contains "$version limit-ranger annotation" \
    "$(k -n "$ns" get pod web -o 'jsonpath={.metadata.annotations.kubernetes\.io/limit-ranger}')" \
    "LimitRanger plugin set: cpu, memory request for container web; cpu, memory limit for container web"
  expect_error "$version limitrange violations" \
    "pods \"greedy\" is forbidden: [minimum cpu usage per Container is 100m, but request is 50m, maximum memory usage per Container is 1Gi, but limit is 2Gi]" \
    sh -c "$(declare -f pod_yaml); pod_yaml greedy '{\"requests\":{\"cpu\":\"50m\"},\"limits\":{\"memory\":\"2Gi\"}}' | '$K' -n $ns create -f -"
  if wait_until 20 used_is "$ns" compute limits.memory 512Mi; then
    pass "$version compute usage charged"
  else
    fail "$version compute usage charged" "$(k -n "$ns" get quota compute -o yaml 2>&1)"
  fi
  check "$version second defaulted pod" k -n "$ns" run web2 --image=busybox --restart=Never
  expect_error "$version compute quota exceeded" \
    "exceeded quota: compute, requested: limits.memory=512Mi, used: limits.memory=1Gi, limited: limits.memory=1Gi" \
    k -n "$ns" run web3 --image=busybox --restart=Never
  contains "$version get quota shows compute usage" "$(k -n "$ns" get quota compute 2>&1)" "limits.memory: 1Gi/1Gi"

  k delete namespace "quota$v" "limits$v" --wait=false >/dev/null 2>&1
done

# --- quota scopes (kubectl 1.33) ----------------------------------------------------------
use_kubectl 1.33 || finish
k create namespace scopes >/dev/null
check "scoped quota" k -n scopes create quota besteffort --hard=pods=1 --scopes=BestEffort
wait_until 20 used_is scopes besteffort pods 0 || fail "scoped quota counted"
check "best-effort pod" k -n scopes run be1 --image=busybox --restart=Never
expect_error "second best-effort pod over the scoped quota" \
  "exceeded quota: besteffort, requested: pods=1, used: pods=1, limited: pods=1" \
  k -n scopes run be2 --image=busybox --restart=Never
check "a pod with requests is outside the scope" sh -c \
  "$(declare -f pod_yaml); pod_yaml sized '{\"requests\":{\"cpu\":\"10m\"}}' | '$K' -n scopes create -f -"
expect "scoped usage" 1 used scopes besteffort pods

# --- DefaultStorageClass -----------------------------------------------------------------
k create namespace sc >/dev/null
sc() {  # NAME DEFAULT
  echo "{\"apiVersion\":\"storage.k8s.io/v1\",\"kind\":\"StorageClass\",\"metadata\":{\"name\":\"$1\",
    \"annotations\":{\"storageclass.kubernetes.io/is-default-class\":\"$2\"}},\"provisioner\":\"example.com/x\"}"
}
claim() {  # NAME [CLASS-FIELD]
  echo "{\"apiVersion\":\"v1\",\"kind\":\"PersistentVolumeClaim\",\"metadata\":{\"name\":\"$1\"},
    \"spec\":{\"accessModes\":[\"ReadWriteOnce\"],${2:-}\"resources\":{\"requests\":{\"storage\":\"1Gi\"}}}}"
}
sc plain false | k create -f - >/dev/null
sc standard true | k create -f - >/dev/null
claim c1 | k -n sc create -f - >/dev/null
expect "claim without a class gets the default" standard \
  k -n sc get pvc c1 -o 'jsonpath={.spec.storageClassName}'
claim c2 '"storageClassName":"",' | k -n sc create -f - >/dev/null
expect "an empty class stays empty" "" k -n sc get pvc c2 -o 'jsonpath={.spec.storageClassName}'
claim c3 '"storageClassName":"plain",' | k -n sc create -f - >/dev/null
expect "a named class is kept" plain k -n sc get pvc c3 -o 'jsonpath={.spec.storageClassName}'

finish
