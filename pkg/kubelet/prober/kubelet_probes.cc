#include "pkg/kubelet/prober/kubelet_probes.h"

#include "pkg/kubelet/prober/handler_runner.h"

namespace sampan::kubelet::prober {
namespace {

std::string FieldPath(const std::string& container_name) {
  return "spec.containers{" + container_name + "}";
}

std::string PodUid(const api::Json& pod) {
  return api::GetString(api::ObjectField(pod, "metadata"), "uid");
}

}  // namespace

KubeletProbes::KubeletProbes(const Clock& clock, ExecFn exec, ProbeSinks sinks)
    : clock_(clock), sinks_(std::move(sinks)) {
  thread_ = std::make_unique<DispatcherThread>("prober");
  ProbeManagerOptions options;
  options.exec = std::move(exec);
  Init(thread_->dispatcher(), std::move(options));
}

KubeletProbes::KubeletProbes(Dispatcher& dispatcher, const Clock& clock,
                             ProbeManagerOptions options, ProbeSinks sinks)
    : clock_(clock), sinks_(std::move(sinks)) {
  Init(dispatcher, std::move(options));
}

void KubeletProbes::Init(Dispatcher& dispatcher, ProbeManagerOptions options) {
  options.on_result = [this](const std::string& uid, const std::string& name, const std::string& id,
                             ProbeKind kind, bool success,
                             const std::string&) { OnResult(uid, name, id, kind, success); };
  options.on_event = [this](const std::string& uid, const std::string& name,
                            const ProbeEvent& event) { OnEvent(uid, name, event); };
  manager_ = std::make_unique<ProbeManager>(dispatcher, clock_, std::move(options));
}

KubeletProbes::~KubeletProbes() { Stop(); }

void KubeletProbes::Start() {
  if (thread_) thread_->Start();
}

void KubeletProbes::Stop() {
  if (thread_) thread_->Stop();  // no callback runs after this
  manager_.reset();
}

ProbeHooks KubeletProbes::Hooks() {
  ProbeHooks hooks;
  hooks.container_started = [this](const api::Json& pod, const api::Json& container,
                                   const std::string& container_id, const std::string& pod_ip) {
    std::string uid = PodUid(pod);
    {
      std::lock_guard lock(mu_);
      pods_[uid] = pod;
    }
    if (manager_) {
      manager_->AddContainer(uid, api::GetString(container, "name"), container_id, container,
                             pod_ip, clock_.Now());
    }
  };
  hooks.pod_removed = [this](const std::string& uid) {
    {
      std::lock_guard lock(mu_);
      pods_.erase(uid);
    }
    if (manager_) manager_->RemovePod(uid);
  };
  hooks.ready = [this](const std::string& uid, const std::string& name, const std::string& id) {
    return manager_ && manager_->IsReady(uid, name, id);
  };
  hooks.started = [this](const std::string& uid, const std::string& name, const std::string& id) {
    return manager_ && manager_->IsStarted(uid, name, id);
  };
  return hooks;
}

void KubeletProbes::OnResult(const std::string& uid, const std::string& name, const std::string& id,
                             ProbeKind kind, bool success) {
  if (!success && kind != ProbeKind::kReadiness) {
    if (sinks_.restart) sinks_.restart(uid, name, id);
    return;
  }
  if (sinks_.requeue) sinks_.requeue(uid);
}

void KubeletProbes::OnEvent(const std::string& uid, const std::string& name,
                            const ProbeEvent& event) {
  if (!sinks_.record) return;
  api::Json pod;
  {
    std::lock_guard lock(mu_);
    auto it = pods_.find(uid);
    if (it == pods_.end()) return;
    pod = it->second;
  }
  sinks_.record(pod, event.type, event.reason, event.message, FieldPath(name));
}

HookContext HookContextFor(
    const api::Json& pod, const api::Json& container, const std::string& container_id,
    const std::string& pod_ip, ExecFn exec,
    std::function<void(const api::Json& pod, const std::string& type, const std::string& reason,
                       const std::string& message, const std::string& field_path)>
        record) {
  HookContext context;
  const api::Json& metadata = api::ObjectField(pod, "metadata");
  context.pod_name = api::GetString(metadata, "name");
  context.pod_namespace = api::GetString(metadata, "namespace");
  context.pod_uid = api::GetString(metadata, "uid");
  context.container_name = api::GetString(container, "name");
  context.target.container_id = container_id;
  context.target.pod_ip = pod_ip;
  context.target.ports = ContainerPorts(container);
  context.target.exec = std::move(exec);
  if (record) {
    context.on_event = [pod, record = std::move(record), field = FieldPath(context.container_name)](
                           const std::string& type, const std::string& reason,
                           const std::string& message) {
      record(pod, type, reason, message, field);
    };
  }
  return context;
}

}  // namespace sampan::kubelet::prober
