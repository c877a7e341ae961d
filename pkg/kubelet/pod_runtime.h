#pragma once
// What the container runtime holds for one pod: its sandboxes and, per container name, the
// instances of the container (newest first). The kubelet's pod workers decide from it what
// to start, restart or stop, and the pod status is computed from it.

#include <map>
#include <string>
#include <vector>

#include "runtime/runtime.h"

namespace sampan::kubelet {

struct PodRuntime {
  std::vector<runtime::SandboxStatus> sandboxes;                            // newest first
  std::map<std::string, std::vector<runtime::ContainerStatus>> containers;  // newest first

  // The newest ready sandbox, or nullptr.
  const runtime::SandboxStatus* ReadySandbox() const;
  // The newest instance of a container, or nullptr.
  const runtime::ContainerStatus* Latest(const std::string& name) const;
  // The instance before the newest, or nullptr (status lastState).
  const runtime::ContainerStatus* Previous(const std::string& name) const;
  bool AnyRunning() const;
  bool Empty() const { return sandboxes.empty() && containers.empty(); }
};

// Groups everything the runtime has by pod uid (the io.kubernetes.pod.uid label).
std::map<std::string, PodRuntime> GroupByPod(std::vector<runtime::SandboxStatus> sandboxes,
                                             std::vector<runtime::ContainerStatus> containers);

// The restart count recorded on a container instance.
int RestartCountOf(const runtime::ContainerStatus& container);

}  // namespace sampan::kubelet
