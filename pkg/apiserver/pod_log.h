#pragma once
// What the API server decides itself for pods/log before asking the node's kubelet, from the
// stored Pod and Node: which container is meant, whether it has anything to show yet, and
// where the kubelet listens. Pure functions over objects; messages are upstream's.

#include <string>

#include "pkg/api/json.h"
#include "pkg/util/status.h"

namespace sampan::apiserver {

// The container a log request means: `requested`, or the only container of the pod.
// BadRequest: `a container name must be specified for pod p, choose one of: [a b]` (plus
// ` or one of the init containers: [i]`), `container c is not valid for pod p`.
Result<std::string> PodLogContainer(const api::Json& pod, const std::string& requested);

// BadRequest `container "c" in pod "p" is waiting to start: REASON` while the container has
// neither run nor finished (no status yet: ContainerCreating, or PodInitializing for an app
// container of a pod whose init containers have not all finished). Not checked for
// `previous`: the kubelet knows which instances exist.
Status CheckContainerLogReady(const api::Json& pod, const std::string& container, bool previous);

struct KubeletEndpoint {
  std::string host;  // InternalIP, else ExternalIP, else Hostname address
  int port = 10250;  // status.daemonEndpoints.kubeletEndpoint.Port
};
// BadRequest when the node reports no usable address.
Result<KubeletEndpoint> KubeletEndpointOf(const api::Json& node);

}  // namespace sampan::apiserver
