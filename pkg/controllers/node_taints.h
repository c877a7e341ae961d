#pragma once
// Taints, tolerations and node conditions as the node lifecycle, taint eviction and pod GC
// controllers read them (upstream's v1helper and controller utilities). Pure functions.

#include <optional>
#include <string>
#include <vector>

#include "pkg/api/json.h"

namespace sampan::controllers {

// The taints the node lifecycle controller owns.
inline constexpr const char* kNotReadyTaint = "node.kubernetes.io/not-ready";
inline constexpr const char* kUnreachableTaint = "node.kubernetes.io/unreachable";
// Added by an administrator to a node that is shut down for good: its terminating pods are
// force-deleted by the pod GC (upstream's non-graceful node shutdown).
inline constexpr const char* kOutOfServiceTaint = "node.kubernetes.io/out-of-service";

// The node's condition of `type` (null when the node has none).
const api::Json* NodeCondition(const api::Json& node, const std::string& type);
// Its status ("True", "False", "Unknown"), or "" when the node has no such condition.
std::string NodeConditionStatus(const api::Json& node, const std::string& type);

// spec.taints with the given effect (all when `effect` is empty).
std::vector<api::Json> NodeTaints(const api::Json& node, const std::string& effect = "");

// Whether one toleration matches one taint: effects equal (or the toleration's empty),
// operator Exists with an empty key matches every key, Exists matches the key, Equal (the
// default) matches key and value.
bool TolerationMatches(const api::Json& toleration, const api::Json& taint);

// tolerationSeconds of the toleration, or nullopt (tolerates for ever). Negative counts as 0.
std::optional<int64_t> TolerationSeconds(const api::Json& toleration);

}  // namespace sampan::controllers
