#pragma once
// The rules of LimitRange objects (core/v1), as upstream's LimitRanger plugin applies them,
// without I/O so they can be tested alone (limit_ranger.h is the plugin around them):
// - DefaultLimitRange: the defaulting of a LimitRange item of type Container (default limit
//   <- max, default request <- default limit, then <- min);
// - ApplyPodDefaults: the Container defaults (default, defaultRequest) set on every
//   container and init container that lacks them, recorded in the kubernetes.io/limit-ranger
//   annotation;
// - PodViolations / PvcViolations: upstream's messages for min, max and
//   maxLimitRequestRatio over each container (type Container), the pod's sum (type Pod) and
//   a claim's storage request (type PersistentVolumeClaim).
// Resource names in the messages come in key order (upstream's order is random).

#include <string>
#include <vector>

#include "pkg/api/json.h"

namespace sampan::apiserver::admission {

inline constexpr const char* kLimitRangerAnnotation = "kubernetes.io/limit-ranger";

void DefaultLimitRange(api::Json& limit_range);
// `limit_range` is defaulted (DefaultLimitRange). Returns whether the pod changed.
bool ApplyPodDefaults(const api::Json& limit_range, api::Json& pod);
std::vector<std::string> PodViolations(const api::Json& limit_range, const api::Json& pod);
std::vector<std::string> PvcViolations(const api::Json& limit_range, const api::Json& pvc);

}  // namespace sampan::apiserver::admission
