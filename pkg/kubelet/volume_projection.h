#pragma once
// The contents of the volumes the kubelet projects from API objects: secret, configMap,
// downwardAPI and projected (sources secret, configMap, downwardAPI, serviceAccountToken),
// with items (key -> path), per-item and default modes and `optional`, as upstream's volume
// plugins compute them. The files are then written by the atomic writer (atomic_writer.h).
//
// Errors read like upstream's FailedMount messages: `configmap "cfg" not found`,
// `configmap references non-existent config key: K`. A missing optional object or key
// contributes nothing.

#include <functional>
#include <string>

#include "pkg/api/json.h"
#include "pkg/kubelet/atomic_writer.h"
#include "pkg/kubelet/env.h"
#include "pkg/util/status.h"

namespace sampan::kubelet {

// A service-account token for `pod` (its serviceAccountName), bound to it, for `audience`
// ("" = the API server's) and about `seconds` of life.
using TokenSource = std::function<Result<std::string>(
    const api::Json& pod, const std::string& audience, int64_t seconds)>;

struct ProjectionContext {
  ObjectLookup lookup;  // configmaps and secrets
  TokenSource token;
  EnvContext env;  // downward API values (node, IPs, allocatable)
};

// Whether the kubelet projects `volume` (one of the four kinds above).
bool IsProjectedVolume(const api::Json& volume);

// Where a projected volume lives under the pod directory (upstream's plugin directories:
// volumes/kubernetes.io~secret/NAME, ~configmap, ~downward-api, ~projected).
std::string ProjectedVolumeDir(const std::string& pod_dir, const api::Json& volume);

// The files of a projected volume.
Result<Payload> ProjectVolume(const api::Json& pod, const api::Json& volume,
                              const ProjectionContext& context);

}  // namespace sampan::kubelet
