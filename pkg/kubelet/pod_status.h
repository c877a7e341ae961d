#pragma once
// The pod status the kubelet reports (upstream generateAPIPodStatus): phase, conditions
// (PodReadyToStartContainers, Initialized, ContainersReady, Ready, PodScheduled),
// containerStatuses and initContainerStatuses (state, lastState, ready, started,
// restartCount, image, imageID, containerID), host and pod IPs, startTime, qosClass.
// A pure function of the pod, what the runtime holds for it and the kubelet's notes.

#include <functional>
#include <map>
#include <string>

#include "pkg/api/json.h"
#include "pkg/kubelet/pod_runtime.h"
#include "pkg/util/clock.h"

namespace sampan::kubelet {

// Annotations the kubelet adds to containers for their status.
inline constexpr char kImageIdAnnotation[] = "sampan.io/image-id";
inline constexpr char kImageRefAnnotation[] = "sampan.io/image-ref";

// Why a container is not running (shown as state.waiting).
struct Waiting {
  std::string reason;
  std::string message;
};

struct StatusInputs {
  const api::Json* pod = nullptr;
  const PodRuntime* runtime = nullptr;
  std::map<std::string, Waiting> waiting;  // by container name
  // Termination messages by container id (terminationMessagePath or log tail).
  std::map<std::string, std::string> termination_messages;
  // Readiness and startup probe results for a running container instance.
  std::function<bool(const std::string& container_name, const std::string& container_id)> ready;
  std::function<bool(const std::string& container_name, const std::string& container_id)> started;
  std::string host_ip;
  std::string pod_ip;
  bool network_ready = false;  // the sandbox exists and has its network
  Clock::WallTime now;
};

api::Json BuildPodStatus(const StatusInputs& in);

// upstream getPhase over built container statuses.
std::string PodPhase(const api::Json& pod, const api::Json& init_statuses,
                     const api::Json& statuses);

// The status without fields that change on every write (condition probe/transition times),
// to decide whether a write is needed.
api::Json ComparableStatus(const api::Json& status);

}  // namespace sampan::kubelet
