// Kubelet teardown: stopping a pod's containers gracefully (deletion, a finished pod, a
// new sandbox) and removing everything a pod had on the node (containers, sandbox, IP,
// files, logs) once the API no longer wants it.

#include <fmt/format.h>

#include <filesystem>
#include <future>

#include "pkg/kubelet/container_config.h"
#include "pkg/kubelet/kubelet.h"
#include "pkg/util/log.h"

namespace sampan::kubelet {
namespace {

const log::Logger kLog("kubelet");

std::string LabelOf(const PodRuntime& view, const char* label) {
  for (const runtime::SandboxStatus& s : view.sandboxes) {
    if (auto it = s.config.labels.find(label); it != s.config.labels.end()) return it->second;
  }
  for (const auto& [name, list] : view.containers) {
    for (const runtime::ContainerStatus& c : list) {
      if (auto it = c.labels.find(label); it != c.labels.end()) return it->second;
    }
  }
  return "";
}

}  // namespace

Status Kubelet::KillContainers(const api::Json* pod, const PodRuntime& view,
                               std::chrono::milliseconds grace, const std::string& reason) {
  std::vector<std::future<Status>> stops;
  for (const auto& [name, list] : view.containers) {
    for (const runtime::ContainerStatus& c : list) {
      if (c.state != runtime::ContainerState::kRunning) continue;
      if (pod != nullptr && !reason.empty()) {
        bool init = c.annotations.count(kInitContainerAnnotation) != 0;
        events_.Record(*pod, "Normal", "Killing", reason + " " + name,
                       fmt::format("spec.{}{{{}}}", init ? "initContainers" : "containers", name));
      }
      std::string id = c.id;
      std::string container = name;
      // In parallel: each may take its whole grace period (preStop hook included).
      stops.push_back(std::async(std::launch::async, [this, pod, container, id, grace] {
        std::chrono::milliseconds left =
            pod != nullptr ? RunPreStopHook(*pod, container, id, grace) : grace;
        return runtime_.StopContainer(id, left);
      }));
    }
  }
  Status result = Status::Ok();
  for (auto& f : stops) {
    Status st = f.get();
    if (!st.ok() && result.ok()) result = st;
  }
  return result;
}

Status Kubelet::Teardown(const std::string& uid, const api::Json* pod,
                         std::chrono::milliseconds grace) {
  ASSIGN_OR_RETURN(PodRuntime view, Observe(uid));
  if (probes_.pod_removed) probes_.pod_removed(uid);
  tokens_.Forget(uid);
  RETURN_IF_ERROR(KillContainers(pod, view, grace, "Stopping container"));
  net::PodNetwork* net = nullptr;
  for (const runtime::SandboxStatus& s : view.sandboxes) {
    if (!s.config.host_network && net == nullptr) net = Network();
    RETURN_IF_ERROR(runtime_.StopPodSandbox(s.id));
    if (net != nullptr) RETURN_IF_ERROR(net->Detach(s.id));
  }
  for (const auto& [name, list] : view.containers) {
    for (const runtime::ContainerStatus& c : list) {
      RETURN_IF_ERROR(runtime_.RemoveContainer(c.id));
      images_.Release(c.id);
      std::lock_guard<std::mutex> lock(mu_);
      termination_cache_.erase(c.id);
    }
  }
  for (const runtime::SandboxStatus& s : view.sandboxes) {
    RETURN_IF_ERROR(runtime_.RemovePodSandbox(s.id));
  }
  std::error_code ec;
  std::filesystem::remove_all(PodDir(uid), ec);
  if (ec) return Status::FromErrno(ec.value(), "remove " + PodDir(uid));
  std::string ns = pod ? api::GetString(api::ObjectField(*pod, "metadata"), "namespace")
                       : LabelOf(view, kPodNamespaceLabel);
  std::string name = pod ? api::GetString(api::ObjectField(*pod, "metadata"), "name")
                         : LabelOf(view, kPodNameLabel);
  if (!ns.empty() && !name.empty()) {
    std::filesystem::remove_all(fmt::format("{}/{}_{}_{}", options_.pod_log_dir, ns, name, uid),
                                ec);
  }
  crash_backoff_.ForgetPrefix(uid + "/");
  {
    std::lock_guard<std::mutex> lock(mu_);
    probed_.erase(uid);
  }
  if (!view.Empty()) kLog.Debug("pod {}/{} ({}) torn down", ns, name, uid);
  return Status::Ok();
}

void Kubelet::StopFinishedPod(const api::Json& pod, const PodRuntime& view) {
  // A finished pod keeps its exited containers (logs, status) until it is deleted, but
  // nothing of it runs and its IP goes back to the pool.
  if (view.AnyRunning()) {
    int64_t grace = api::GetInt(api::ObjectField(pod, "spec"), "terminationGracePeriodSeconds", 30);
    (void)KillContainers(&pod, view, std::chrono::seconds(grace), "Stopping container");
  }
  for (const runtime::SandboxStatus& s : view.sandboxes) {
    if (s.state != runtime::SandboxState::kReady) continue;
    (void)runtime_.StopPodSandbox(s.id);
    if (!s.config.host_network) {
      if (net::PodNetwork* net = Network()) (void)net->Detach(s.id);
    }
  }
}

}  // namespace sampan::kubelet
