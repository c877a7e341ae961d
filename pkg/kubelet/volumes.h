#pragma once
// Pod volumes the kubelet can set up itself: emptyDir (a directory under the pod's
// directory, removed with the pod), hostPath (with its `type` checks and the
// DirectoryOrCreate/FileOrCreate creation) and the projected kinds, secret, configMap,
// downwardAPI and projected (volume_projection.h), written with the atomic writer under
// the pod directory and rewritten by RefreshProjectedVolumes when their sources change.
// Other volume sources are reported as unsupported. Errors (a missing ConfigMap, an
// unsupported kind) keep the pod in ContainerCreating with a FailedMount event.

#include <map>
#include <string>
#include <vector>

#include "pkg/api/json.h"
#include "pkg/kubelet/volume_projection.h"
#include "pkg/util/status.h"
#include "runtime/spec.h"

namespace sampan::kubelet {

// Volume name -> host path, creating what needs creating. Projected volumes need
// `projection` (without it they are unsupported).
Result<std::map<std::string, std::string>> PrepareVolumes(
    const api::Json& pod, const std::string& pod_dir,
    const ProjectionContext* projection = nullptr);

// Rewrites the projected volumes of a running pod whose sources changed; a source that is
// gone or failing leaves the files as they are (as upstream). Returns how many changed.
int RefreshProjectedVolumes(const api::Json& pod, const std::string& pod_dir,
                            const ProjectionContext& projection);

// Whether the pod has projected volumes (then the kubelet refreshes it periodically).
bool HasProjectedVolumes(const api::Json& pod);

// The bind mounts of a container's volumeMounts (subPath, readOnly, mountPropagation).
Result<std::vector<runtime::BindMount>> VolumeMounts(
    const api::Json& container, const std::map<std::string, std::string>& volumes);

}  // namespace sampan::kubelet
