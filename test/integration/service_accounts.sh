#!/usr/bin/env bash
# Service accounts as users meet them (kubectl 1.27 and 1.33): the `default` account and the
# kube-root-ca.crt ConfigMap in a new namespace, `kubectl create token` tokens used as bearer
# tokens (whoami, RBAC through a RoleBinding, 401 once the account or the bound pod is gone),
# legacy token Secrets, TokenReview with audiences, and --anonymous-auth. Runs on a node of
# its own (pods read their projected token, configMap and secret volumes).
# Ends with "N passed, N failed".
set -uo pipefail
source "$(dirname "$0")/lib/common.sh"

start_node --node-name sa-test --node-ip 127.0.0.1
CA=$TMP/data/server/tls/server-ca.crt
# kubectl with nothing but a bearer token (a client certificate would win over it).
kt() { local token=$1; shift; k --kubeconfig=/dev/null --server="https://127.0.0.1:$PORT" --certificate-authority="$CA" --token="$token" "$@"; }
unauthorized() { local out; ! out=$(kt "$1" auth whoami 2>&1) && [[ $out == *Unauthorized* ]]; }

for version in 1.27 1.33; do
  use_kubectl "$version" || continue
  ns="sa${version/./}"
  k create namespace "$ns" >/dev/null
  wait_for "$version default serviceaccount appears" 10 k -n "$ns" get sa default
  wait_for "$version kube-root-ca.crt appears" 10 k -n "$ns" get configmap kube-root-ca.crt
  contains "$version kube-root-ca.crt holds the CA" "$(k -n "$ns" get configmap kube-root-ca.crt -o jsonpath='{.data.ca\.crt}')" "$(head -1 "$CA")"
  check "$version deleting the default account" k -n "$ns" delete sa default
  wait_for "$version it comes back" 10 k -n "$ns" get sa default

  check "$version create sa" k -n "$ns" create sa robot
  token=$(k -n "$ns" create token robot 2>&1)
  contains "$version create token prints a JWT" "$token" "eyJ"
  out=$(kt "$token" auth whoami 2>&1)
  contains "$version whoami is the account" "$out" "system:serviceaccount:$ns:robot"
  contains "$version with its groups" "$out" "system:serviceaccounts:$ns"
  expect_error "$version no access before a binding" "cannot list resource \"pods\"" kt "$token" -n "$ns" get pods
  check "$version rolebinding to the account" k -n "$ns" create rolebinding robot-view --clusterrole=view --serviceaccount="$ns:robot"
  wait_for "$version the binding grants access" 10 kt "$token" -n "$ns" get pods
  expect_error "$version too short a duration" "may not specify a duration less than 10 minutes" k -n "$ns" create token robot --duration=5m
  expect_error "$version token of a missing account" "serviceaccounts \"ghost\" not found" k -n "$ns" create token ghost
  check "$version account deleted" k -n "$ns" delete sa robot
  wait_for "$version its token is refused (401)" 10 unauthorized "$token"
  # A fresh account of the same name does not revive the old token (another uid).
  k -n "$ns" create sa robot >/dev/null
  contains "$version nor does a new account of that name" "$(kt "$token" auth whoami 2>&1)" "Unauthorized"

  # Bound to a pod: valid while the pod exists.
  k -n "$ns" run holder --image=busybox:fixture --restart=Never --overrides='{"spec":{"serviceAccountName":"robot","nodeName":"nowhere"}}' >/dev/null
  bound=$(k -n "$ns" create token robot --bound-object-kind Pod --bound-object-name holder 2>&1)
  out=$(kt "$bound" auth whoami 2>&1)
  contains "$version pod-bound token works" "$out" "system:serviceaccount:$ns:robot"
  contains "$version and names the pod" "$out" "authentication.kubernetes.io/pod-name"
  expect_error "$version pod of another account refused" "cannot bind token for serviceaccount \"default\"" k -n "$ns" create token default --bound-object-kind Pod --bound-object-name holder
  check "$version bound pod deleted" k -n "$ns" delete pod holder --grace-period=0 --force
  wait_for "$version pod-bound token is refused (401)" 10 unauthorized "$bound"

  # TokenReview: audiences of the token among those asked for.
  aud=$(k -n "$ns" create token robot --audience=vault --duration=1h)
  review() {
    printf '{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"%s","audiences":[%s]}}' "$1" "$2" |
      k create -f - -o jsonpath='{.status.authenticated} {.status.user.username} {.status.audiences}'
  }
  contains "$version TokenReview with the token's audience" "$(review "$aud" '"vault"' 2>&1)" "true system:serviceaccount:$ns:robot [\"vault\"]"
  contains "$version TokenReview with another audience" "$(review "$aud" '"other"' 2>&1)" "false"
  contains "$version the API refuses a token for another audience" "$(kt "$aud" auth whoami 2>&1)" "Unauthorized"

  # Legacy token Secret.
  k -n "$ns" apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Secret
metadata:
  name: robot-token
  annotations: {kubernetes.io/service-account.name: robot}
type: kubernetes.io/service-account-token
YAML
  secret_token() { k -n "$ns" get secret robot-token -o jsonpath='{.data.token}' 2>/dev/null | base64 -d; }
  has_secret_token() { [[ -n $(secret_token) ]]; }
  wait_for "$version legacy secret gets a token" 10 has_secret_token
  contains "$version and its namespace" "$(k -n "$ns" get secret robot-token -o jsonpath='{.data.namespace}' | base64 -d)" "$ns"
  contains "$version legacy token authenticates" "$(kt "$(secret_token)" auth whoami 2>&1)" "system:serviceaccount:$ns:robot"
done

# A tampered token is refused.
token=$(k create token default)
# One character of the signature changed (not the last: its low bits are padding).
sig=${token##*.}
c=${sig:10:1}; [[ $c == A ]] && c=B || c=A
contains "tampered token refused" "$(kt "${token%.*}.${sig:0:10}$c${sig:11}" auth whoami 2>&1)" "Unauthorized"
contains "token with swapped claims refused" "$(kt "$(printf '%s' "$token" | cut -d. -f1).$(k create token default --duration=2h | cut -d. -f2).$sig" auth whoami 2>&1)" "Unauthorized"
contains "garbage token refused" "$(kt "abc.def.ghi" auth whoami 2>&1)" "Unauthorized"

# Volumes projected by the kubelet (kubectl 1.33).
use_kubectl 1.33
k create configmap settings --from-literal=mode=fast --from-literal=level=1 >/dev/null
k create secret generic creds --from-literal=password=s3cret >/dev/null
k apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: reader, labels: {app: reader}}
spec:
  hostNetwork: true
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: busybox:fixture
    command: ["sh", "-c", "exec sleep 3600"]
    volumeMounts:
    - {name: cfg, mountPath: /etc/cfg}
    - {name: creds, mountPath: /etc/creds, readOnly: true}
    - {name: info, mountPath: /etc/info}
    - {name: access, mountPath: /var/run/secrets/tokens, readOnly: true}
  volumes:
  - {name: cfg, configMap: {name: settings, items: [{key: mode, path: conf/mode}]}}
  - {name: creds, secret: {secretName: creds, defaultMode: 0400}}
  - name: info
    downwardAPI:
      items:
      - {path: name, fieldRef: {fieldPath: metadata.name}}
      - {path: labels, fieldRef: {fieldPath: metadata.labels}}
  - name: access
    projected:
      sources:
      - serviceAccountToken: {path: token, expirationSeconds: 3600}
      - configMap: {name: kube-root-ca.crt, items: [{key: ca.crt, path: ca.crt}]}
      - downwardAPI: {items: [{path: namespace, fieldRef: {fieldPath: metadata.namespace}}]}
---
apiVersion: v1
kind: Pod
metadata: {name: lacking}
spec:
  hostNetwork: true
  terminationGracePeriodSeconds: 1
  containers:
  - {name: main, image: busybox:fixture, command: ["sh", "-c", "exec sleep 3600"],
     volumeMounts: [{name: cfg, mountPath: /etc/cfg}]}
  volumes:
  - {name: cfg, configMap: {name: absent}}
YAML
wait_for "pod with projected volumes runs" 60 phase_is reader Running
in_pod() { k exec reader -- busybox "$@" 2>&1; }
expect "configMap item at its path" "fast" in_pod cat /etc/cfg/conf/mode
contains "atomic writer layout" "$(in_pod ls -a /etc/cfg)" "..data"
expect "secret file" "s3cret" in_pod cat /etc/creds/password
expect "secret defaultMode 0400" "400" in_pod stat -L -c %a /etc/creds/password
expect "downwardAPI name" "reader" in_pod cat /etc/info/name
expect "downwardAPI labels" 'app="reader"' in_pod cat /etc/info/labels
expect "projected namespace" "default" in_pod cat /var/run/secrets/tokens/namespace
contains "projected CA" "$(in_pod cat /var/run/secrets/tokens/ca.crt)" "$(head -1 "$CA")"
pod_token=$(in_pod cat /var/run/secrets/tokens/token)
out=$(kt "$pod_token" auth whoami 2>&1)
contains "the pod's token authenticates" "$out" "system:serviceaccount:default:default"
contains "bound to the pod" "$out" "reader"
k create configmap settings --from-literal=mode=slow --from-literal=level=1 --dry-run=client -o yaml | k apply -f - >/dev/null 2>&1
mode_is() { [[ $(in_pod cat /etc/cfg/conf/mode) == "$1" ]]; }
wait_for "configMap change reaches the file" 30 mode_is slow
lacking_waits() { k get events --field-selector involvedObject.name=lacking 2>/dev/null | grep -q 'FailedMount.*configmap "absent" not found'; }
wait_for "missing configMap: FailedMount event" 30 lacking_waits
contains "and the pod waits in ContainerCreating" "$(k get pod lacking --no-headers 2>&1)" "ContainerCreating"
k create configmap absent --from-literal=x=1 >/dev/null
wait_for "it runs once the configMap exists" 60 phase_is lacking Running
check "pods deleted" k delete pod reader lacking --grace-period=1 --timeout=60s
wait_for "the pod's token dies with the pod" 10 unauthorized "$pod_token"

# ServiceAccount admission.
k apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: plain}
spec:
  hostNetwork: true
  terminationGracePeriodSeconds: 1
  initContainers:
  - {name: first, image: busybox:fixture, command: ["sh", "-c", "exit 0"]}
  containers:
  - {name: main, image: busybox:fixture, command: ["sh", "-c", "exec sleep 3600"]}
YAML
contains "pod gets the default account" "$(k get pod plain -o jsonpath='{.spec.serviceAccountName}/{.spec.serviceAccount}')" "default/default"
contains "and the kube-api-access volume" "$(k get pod plain -o jsonpath='{.spec.volumes[*].name}')" "kube-api-access-"
expect "mounted read-only in every container" "/var/run/secrets/kubernetes.io/serviceaccount true /var/run/secrets/kubernetes.io/serviceaccount true" \
  k get pod plain -o jsonpath='{.spec.initContainers[0].volumeMounts[0].mountPath} {.spec.initContainers[0].volumeMounts[0].readOnly} {.spec.containers[0].volumeMounts[0].mountPath} {.spec.containers[0].volumeMounts[0].readOnly}'
wait_for "pod with the automatic token runs" 60 phase_is plain Running
expect "it reads its namespace" "default" k exec plain -c main -- busybox cat /var/run/secrets/kubernetes.io/serviceaccount/namespace
sa_token=$(k exec plain -c main -- busybox cat /var/run/secrets/kubernetes.io/serviceaccount/token 2>&1)
contains "and its token authenticates it" "$(kt "$sa_token" auth whoami 2>&1)" "system:serviceaccount:default:default"
expect_error "missing account: 403" 'pods "lost" is forbidden: error looking up service account default/ghost: serviceaccount "ghost" not found' \
  k run lost --image=busybox:fixture --overrides='{"spec":{"serviceAccountName":"ghost"}}'
k run quiet --image=busybox:fixture --overrides='{"spec":{"automountServiceAccountToken":false,"nodeName":"nowhere"}}' >/dev/null
expect "automountServiceAccountToken false: no volume" "" k get pod quiet -o jsonpath='{.spec.volumes}'
k create sa silent >/dev/null
k patch sa silent -p '{"automountServiceAccountToken":false}' >/dev/null
k run hushed --image=busybox:fixture --overrides='{"spec":{"serviceAccountName":"silent","nodeName":"nowhere"}}' >/dev/null
expect "or false on the account" "" k get pod hushed -o jsonpath='{.spec.volumes}'
# A pod right after its namespace: admission waits for the default account.
k create namespace fresh >/dev/null && k -n fresh run early --image=busybox:fixture --overrides='{"spec":{"nodeName":"nowhere"}}' >/dev/null
contains "pod in a brand-new namespace is admitted" "$(k -n fresh get pod early -o jsonpath='{.spec.serviceAccountName}' 2>&1)" "default"
k delete pod plain quiet hushed --grace-period=1 --timeout=60s >/dev/null 2>&1

# Issuer discovery: any service account reads the provider configuration and the key set,
# and the key set verifies the tokens the server issues.
token=$(k create token default 2>&1)
config=$(kt "$token" get --raw /.well-known/openid-configuration 2>&1)
contains "openid configuration names the issuer" "$config" '"issuer":"https://kubernetes.default.svc.cluster.local"'
contains "openid configuration names the key set" "$config" "/openid/v1/jwks\""
kt "$token" get --raw /openid/v1/jwks >"$TMP/jwks" 2>&1
verified=$(/usr/bin/python3 - "$token" "$TMP/jwks" <<'PY' 2>&1
import base64, json, sys, rsa
def b64(s): return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
header, payload, signature = sys.argv[1].split(".")
key = json.load(open(sys.argv[2]))["keys"][0]
assert key["kid"] == json.loads(b64(header))["kid"], "kid differs"
public = rsa.PublicKey(int.from_bytes(b64(key["n"]), "big"), int.from_bytes(b64(key["e"]), "big"))
print(rsa.verify((header + "." + payload).encode(), b64(signature), public))
PY
)
expect "the key set verifies a service-account token" "SHA-256" echo "$verified"

status_of() { "${IN_NS[@]}" curl -sk -o /dev/null -w '%{http_code}' "https://127.0.0.1:$PORT$1"; }
expect "no credentials: 401 without --anonymous-auth" "401" status_of /version
# --anonymous-auth: the server again, with the flag.
kill "$SERVER_PID" && wait "$SERVER_PID" 2>/dev/null
SERVER_ARGS+=(--anonymous-auth)
restart_server
expect "anonymous may read /version" "200" status_of /version
expect "anonymous may not list namespaces (403)" "403" status_of /api/v1/namespaces
contains "as system:anonymous" "$("${IN_NS[@]}" curl -sk "https://127.0.0.1:$PORT/api/v1/namespaces")" 'User \"system:anonymous\"'
expect "bad credentials stay 401" "401" "${IN_NS[@]}" curl -sk -o /dev/null -w '%{http_code}' -H "Authorization: Bearer nope" "https://127.0.0.1:$PORT/version"

finish
