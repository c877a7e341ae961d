#!/usr/bin/env bash
# RBAC as kubectl users meet it: `auth can-i` (SelfSubjectAccessReview, --list), `auth whoami`
# (SelfSubjectReview), `--as/--as-group` impersonation, roles and bindings made with
# `kubectl create role/rolebinding`, the default policy. kubectl 1.27 and 1.33.
# Ends with "N passed, N failed".
set -uo pipefail
source "$(dirname "$0")/lib/common.sh"

require_server

for version in 1.27 1.33; do
  use_kubectl "$version" || continue
  ns="rbac${version/./}"
  k create namespace "$ns" >/dev/null
  contains "$version admin can-i" "$(k auth can-i create pods 2>&1)" "yes"
  contains "$version bob cannot by default" "$(k -n "$ns" auth can-i list pods --as=bob 2>&1)" "no"
  out=$(k -n "$ns" get pods --as=bob 2>&1)
  contains "$version forbidden message" "$out" "User \"bob\" cannot list resource \"pods\" in API group \"\" in the namespace \"$ns\""
  out=$(k auth whoami --as=bob --as-group=devs 2>&1)
  contains "$version whoami user" "$out" "bob"
  contains "$version whoami groups" "$out" "devs system:authenticated"

  check "$version create role" k -n "$ns" create role pod-reader --verb=get,list,watch --resource=pods
  check "$version create rolebinding" k -n "$ns" create rolebinding devs-read --role=pod-reader --group=devs
  if wait_until 10 sh -c "'$K' -n $ns auth can-i list pods --as=bob --as-group=devs | grep -q yes"; then
    pass "$version binding grants the group"
  else
    fail "$version binding grants the group"
  fi
  contains "$version only in its namespace" "$(k -n default auth can-i list pods --as=bob --as-group=devs 2>&1)" "no"
  contains "$version only its verbs" "$(k -n "$ns" auth can-i delete pods --as=bob --as-group=devs 2>&1)" "no"
  out=$(k -n "$ns" auth can-i --list --as=bob --as-group=devs 2>&1)
  contains "$version can-i --list shows the role" "$out" "pods"
  check "$version built-in view role" k -n "$ns" create rolebinding carol-view --clusterrole=view --user=carol
  if wait_until 10 sh -c "'$K' -n $ns auth can-i list deployments.apps --as=carol | grep -q yes"; then
    pass "$version view grants reads"
  else
    fail "$version view grants reads"
  fi
  contains "$version view cannot read secrets" "$(k -n "$ns" auth can-i get secrets --as=carol 2>&1)" "no"
  out=$(k -n "$ns" get pods --as=carol --as-group=devs 2>&1)
  contains "$version impersonated user can read" "$out" "No resources found"
  k delete namespace "$ns" --wait=false >/dev/null
done

finish
