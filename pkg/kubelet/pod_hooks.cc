// Kubelet lifecycle hooks and probe registration: postStart after a container started,
// preStop before it is stopped (inside its grace period), and handing running containers to
// the prober (also those adopted after a restart of sampan).

#include <fmt/format.h>

#include "pkg/kubelet/container_config.h"
#include "pkg/kubelet/kubelet.h"
#include "pkg/kubelet/prober/kubelet_probes.h"
#include "pkg/kubelet/prober/runtime_exec.h"
#include "pkg/util/log.h"

namespace sampan::kubelet {
namespace {

const log::Logger kLog("kubelet");

// As upstream: after preStop, the stop itself gets at least this much.
constexpr std::chrono::milliseconds kMinStopGrace{2000};

const api::Json* FindContainer(const api::Json& pod, const std::string& name) {
  for (const char* key : {"containers", "initContainers"}) {
    const api::Json* list = api::Find(api::ObjectField(pod, "spec"), key);
    if (list == nullptr || !list->is_array()) continue;
    for (const api::Json& c : *list) {
      if (api::GetString(c, "name") == name) return &c;
    }
  }
  return nullptr;
}

bool HasHook(const api::Json& container, const char* hook) {
  return api::FindPath(container, std::string("lifecycle.") + hook) != nullptr;
}

}  // namespace

bool Kubelet::RunPostStartHook(const api::Json& pod, const api::Json& container,
                               const std::string& container_id, const std::string& pod_ip) {
  if (!HasHook(container, "postStart")) return true;
  auto record = [this](const api::Json& p, const std::string& type, const std::string& reason,
                       const std::string& message, const std::string& field) {
    events_.Record(p, type, reason, message, field);
  };
  prober::HookContext context = prober::HookContextFor(pod, container, container_id, pod_ip,
                                                       prober::MakeRuntimeExecFn(runtime_), record);
  Status st = prober::RunPostStart(container, context);
  if (st.ok()) return true;
  // Upstream kills a container whose postStart hook failed; restartPolicy decides the rest.
  std::string name = api::GetString(container, "name");
  events_.Record(pod, "Normal", "Killing", "FailedPostStartHook", "spec.containers{" + name + "}");
  int64_t grace = api::GetInt(api::ObjectField(pod, "spec"), "terminationGracePeriodSeconds", 30);
  (void)runtime_.StopContainer(container_id, std::chrono::seconds(grace));
  return false;
}

std::chrono::milliseconds Kubelet::RunPreStopHook(const api::Json& pod,
                                                  const std::string& container_name,
                                                  const std::string& container_id,
                                                  std::chrono::milliseconds grace) {
  const api::Json* container = FindContainer(pod, container_name);
  if (container == nullptr || !HasHook(*container, "preStop") || grace.count() <= 0) return grace;
  auto record = [this](const api::Json& p, const std::string& type, const std::string& reason,
                       const std::string& message, const std::string& field) {
    events_.Record(p, type, reason, message, field);
  };
  std::string pod_ip = api::GetString(api::ObjectField(pod, "status"), "podIP");
  prober::HookContext context = prober::HookContextFor(pod, *container, container_id, pod_ip,
                                                       prober::MakeRuntimeExecFn(runtime_), record);
  auto start = clock_.Now();
  Status st = prober::RunPreStop(*container, context, grace);
  if (!st.ok())
    kLog.Debug("pod {}: preStop {}: {}", client::ObjectKey(pod), container_name, st.message());
  auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(clock_.Now() - start);
  return std::max(grace - spent, kMinStopGrace);
}

void Kubelet::EnsureProbed(const api::Json& pod, const PodRuntime& view,
                           const std::string& pod_ip) {
  if (!probes_.container_started) return;
  std::string uid = api::GetString(api::ObjectField(pod, "metadata"), "uid");
  const api::Json* containers = api::Find(api::ObjectField(pod, "spec"), "containers");
  if (containers == nullptr || !containers->is_array()) return;
  for (const api::Json& c : *containers) {
    const runtime::ContainerStatus* latest = view.Latest(api::GetString(c, "name"));
    if (latest == nullptr || latest->state != runtime::ContainerState::kRunning) continue;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!probed_[uid].insert(latest->id).second) continue;
    }
    probes_.container_started(pod, c, latest->id, pod_ip);
  }
}

}  // namespace sampan::kubelet
