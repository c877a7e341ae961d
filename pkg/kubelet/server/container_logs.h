#pragma once
// The kubelet's /containerLogs endpoint: which container instance a request means (the pod's
// newest incarnation on this node; the newest instance of the container, or with `previous`
// the one before it) and streaming its CRI log through Runtime::ReadLogs.

#include <memory>
#include <string>
#include <vector>

#include "pkg/api/log_options.h"
#include "pkg/util/http.h"
#include "pkg/util/status.h"
#include "runtime/runtime.h"

namespace sampan::kubelet {

// Picks the container id for a log request out of everything the runtime has. Errors, as
// upstream words them: NotFound `pod "p" not found`; BadRequest `a container name must be
// specified for pod p, choose one of: [a b]`, `container "c" in pod "p" is waiting to start:
// ContainerCreating`, `previous terminated container "c" in pod "p" not found`.
Result<std::string> ResolveLogContainer(const std::vector<runtime::ContainerStatus>& containers,
                                        const std::string& ns, const std::string& pod,
                                        const std::string& container, bool previous);

// Blocking: answers `out` with the log of container `id` (200 text/plain, streamed; with
// follow until the container exits or the client goes away). Output is flushed whenever the
// reader waits for more, so a followed log arrives as it is written.
void StreamContainerLogs(runtime::Runtime& runtime, const std::string& id,
                         const api::LogQuery& query,
                         const std::shared_ptr<http::ResponseWriter>& out);

}  // namespace sampan::kubelet
