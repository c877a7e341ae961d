#include "pkg/kubelet/pod_runtime.h"

#include <algorithm>

#include "pkg/kubelet/container_config.h"

namespace sampan::kubelet {

const runtime::SandboxStatus* PodRuntime::ReadySandbox() const {
  for (const runtime::SandboxStatus& s : sandboxes) {
    if (s.state == runtime::SandboxState::kReady) return &s;
  }
  return nullptr;
}

const runtime::ContainerStatus* PodRuntime::Latest(const std::string& name) const {
  auto it = containers.find(name);
  return it == containers.end() || it->second.empty() ? nullptr : &it->second[0];
}

const runtime::ContainerStatus* PodRuntime::Previous(const std::string& name) const {
  auto it = containers.find(name);
  return it == containers.end() || it->second.size() < 2 ? nullptr : &it->second[1];
}

bool PodRuntime::AnyRunning() const {
  for (const auto& [name, list] : containers) {
    for (const runtime::ContainerStatus& c : list) {
      if (c.state == runtime::ContainerState::kRunning) return true;
    }
  }
  return false;
}

int RestartCountOf(const runtime::ContainerStatus& container) {
  auto it = container.annotations.find(kRestartCountAnnotation);
  if (it == container.annotations.end()) return 0;
  try {
    return std::stoi(it->second);
  } catch (...) {
    return 0;
  }
}

std::map<std::string, PodRuntime> GroupByPod(std::vector<runtime::SandboxStatus> sandboxes,
                                             std::vector<runtime::ContainerStatus> containers) {
  std::map<std::string, PodRuntime> out;
  for (runtime::SandboxStatus& s : sandboxes) {
    auto it = s.config.labels.find(kPodUidLabel);
    if (it == s.config.labels.end()) continue;  // not the kubelet's
    out[it->second].sandboxes.push_back(std::move(s));
  }
  for (runtime::ContainerStatus& c : containers) {
    auto uid = c.labels.find(kPodUidLabel);
    auto name = c.labels.find(kContainerNameLabel);
    if (uid == c.labels.end() || name == c.labels.end()) continue;
    out[uid->second].containers[name->second].push_back(std::move(c));
  }
  for (auto& [uid, pod] : out) {
    std::sort(pod.sandboxes.begin(), pod.sandboxes.end(),
              [](const auto& a, const auto& b) { return a.created_at > b.created_at; });
    for (auto& [name, list] : pod.containers) {
      std::sort(list.begin(), list.end(), [](const auto& a, const auto& b) {
        int ra = RestartCountOf(a), rb = RestartCountOf(b);
        return ra != rb ? ra > rb : a.created_at > b.created_at;
      });
    }
  }
  return out;
}

}  // namespace sampan::kubelet
