#pragma once
// DefaultTolerationSeconds admission (upstream's plugin of that name): a new pod that does
// not tolerate the node.kubernetes.io/not-ready or node.kubernetes.io/unreachable NoExecute
// taints gets a toleration for each with tolerationSeconds, so that taint-based eviction
// removes it that long after its node was lost instead of at once. Stateless; thread-safe.

#include <cstdint>

#include "pkg/api/json.h"
#include "pkg/api/registry.h"

namespace sampan::apiserver {

// Mutating admission settings of the API server (flags of `sampan server`).
struct AdmissionOptions {
  int64_t default_not_ready_toleration_seconds = 300;
  int64_t default_unreachable_toleration_seconds = 300;
};

// Adds the default tolerations to `obj` when it is a pod (other resources are left alone).
// A toleration with an empty key (or the taint's key) and an empty effect (or NoExecute)
// already counts as tolerating the taint, as upstream decides.
void AddDefaultTolerations(const AdmissionOptions& options, const api::ResourceInfo& r,
                           api::Json& obj);

}  // namespace sampan::apiserver
