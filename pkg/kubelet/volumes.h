#pragma once
// Pod volumes the kubelet can set up itself: emptyDir (a directory under the pod's
// directory, removed with the pod) and hostPath (with its `type` checks and the
// DirectoryOrCreate/FileOrCreate creation). Other volume sources are reported as
// unsupported: the pod waits in ContainerCreating with a FailedMount event.

#include <map>
#include <string>
#include <vector>

#include "pkg/api/json.h"
#include "pkg/util/status.h"
#include "runtime/spec.h"

namespace sampan::kubelet {

// Volume name -> host path, creating what needs creating.
Result<std::map<std::string, std::string>> PrepareVolumes(const api::Json& pod,
                                                          const std::string& pod_dir);

// The bind mounts of a container's volumeMounts (subPath, readOnly, mountPropagation).
Result<std::vector<runtime::BindMount>> VolumeMounts(
    const api::Json& container, const std::map<std::string, std::string>& volumes);

}  // namespace sampan::kubelet
