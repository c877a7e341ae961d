#pragma once
// ServiceAccount admission (upstream's plugin of that name), on pod creation:
// - a pod without spec.serviceAccountName gets `default` (and the deprecated
//   spec.serviceAccount alike);
// - the account must exist: otherwise 403 `error looking up service account NS/NAME:
//   serviceaccount "NAME" not found` (for `default` the lookup is retried for about a second,
//   while the service-accounts controller catches up with a new namespace);
// - unless automountServiceAccountToken is false (on the pod, else on the account), the pod
//   gets the projected volume kube-api-access-XXXXX (a 3607 s token, kube-root-ca.crt's
//   ca.crt, the namespace through the downward API; mode 0644) mounted read-only at
//   /var/run/secrets/kubernetes.io/serviceaccount in every container, init container and
//   ephemeral container that has nothing mounted there.
// Mirror pods (annotation kubernetes.io/config.mirror) are left alone. Stateless apart from
// the lookup; thread-safe.

#include <functional>
#include <string>

#include "pkg/api/json.h"
#include "pkg/api/registry.h"
#include "pkg/apiserver/api_error.h"

namespace sampan::apiserver {

inline constexpr char kServiceAccountMountPath[] = "/var/run/secrets/kubernetes.io/serviceaccount";

// Reads "serviceaccounts" or "namespaces" objects (ns is "" for namespaces).
using AdmissionLookup = std::function<Result<api::Json>(
    const std::string& resource, const std::string& ns, const std::string& name)>;

// Mutates `pod` (a pod being created in `ns`); an ApiError with code 0 means admitted.
// Other resources are left alone.
ApiError AdmitServiceAccount(const api::ResourceInfo& r, api::Json& pod, const std::string& ns,
                             const AdmissionLookup& lookup);

}  // namespace sampan::apiserver
