// Kubelet::SyncPod: brings the runtime in line with a pod that should run (upstream
// SyncPod/computePodActions): a ready sandbox with its network, then the init containers
// one at a time, then every app container, restarting exited ones per restartPolicy with
// the crash-loop back-off; then the pod status.

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pkg/kubelet/container_config.h"
#include "pkg/kubelet/env.h"
#include "pkg/kubelet/kubelet.h"
#include "pkg/kubelet/volumes.h"
#include "pkg/util/duration.h"
#include "pkg/util/fs.h"
#include "pkg/util/log.h"
#include "pkg/util/random.h"

namespace sampan::kubelet {
namespace {

const log::Logger kLog("kubelet");

using api::Json;
using runtime::ContainerState;
using runtime::ContainerStatus;

constexpr std::chrono::milliseconds kRetrySoon{1000};

std::string FieldPath(const Json& container, bool init) {
  return fmt::format("spec.{}{{{}}}", init ? "initContainers" : "containers",
                     api::GetString(container, "name"));
}

const Json& ContainerList(const Json& pod, const char* key) {
  static const Json kEmpty = Json::array();
  const Json* list = api::Find(api::ObjectField(pod, "spec"), key);
  return list != nullptr && list->is_array() ? *list : kEmpty;
}

bool Exited(const ContainerStatus& c) {
  return c.state == ContainerState::kExited || c.state == ContainerState::kUnknown;
}

Clock::MonoTime MonoOf(const Clock& clock, runtime::WallTime wall) {
  return clock.Now() - std::chrono::duration_cast<Clock::Duration>(clock.WallNow() - wall);
}

}  // namespace

void Kubelet::SetWaiting(const std::string& uid, const std::string& container, Waiting waiting) {
  std::lock_guard<std::mutex> lock(mu_);
  waiting_[uid][container] = std::move(waiting);
}

void Kubelet::ClearWaiting(const std::string& uid, const std::string& container) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = waiting_.find(uid);
  if (it != waiting_.end()) it->second.erase(container);
}

// Milliseconds per step of a sync, for the debug log ("observe=0.4 sandbox=12.0 ...").
class StepTimer {
 public:
  void Mark(const char* step) {
    auto now = std::chrono::steady_clock::now();
    text_ += fmt::format(" {}={:.1f}", step,
                         std::chrono::duration<double, std::milli>(now - last_).count());
    last_ = now;
  }
  const std::string& text() const { return text_; }

 private:
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
  std::string text_;
};

ProjectionContext Kubelet::Projection(const std::string& pod_ip) {
  ProjectionContext projection;
  EnvContext& env_context = projection.env;
  env_context.node_name = options_.node_name;
  env_context.host_ip = options_.node_ip;
  env_context.pod_ip = pod_ip;
  env_context.node_milli_cpu = machine_.cpus * 1000;
  env_context.node_memory = machine_.memory_bytes;
  env_context.node_ephemeral_storage = machine_.fs_bytes;
  // The kubernetes service's variables are set whatever enableServiceLinks says (upstream);
  // the other services' variables come with the service proxy.
  env_context.service_env = KubernetesServiceEnv(options_.kubernetes_service_ip);
  projection.lookup = [this](const std::string& resource, const std::string& ns,
                             const std::string& obj) -> Result<Json> {
    return client_.Get(*api::Registry::Builtin().Find("", "v1", resource), ns, obj);
  };
  projection.token = [this](const Json& pod, const std::string& audience, int64_t seconds) {
    return tokens_.Get(pod, audience, seconds);
  };
  return projection;
}

Kubelet::SyncResult Kubelet::SyncPod(const Json& pod) {
  SyncResult result;
  StepTimer timer;
  std::string uid = api::UidOf(pod);
  std::string key = client::ObjectKey(pod);
  Result<PodRuntime> observed = Observe(uid);
  if (!observed.ok()) {
    kLog.Warn("pod {}: runtime: {}", key, observed.status().message());
    result.requeue_after = kRetrySoon;
    return result;
  }
  PodRuntime view = std::move(*observed);
  timer.Mark("observe");
  std::string phase = api::GetString(api::ObjectField(pod, "status"), "phase");
  bool terminal = phase == "Succeeded" || phase == "Failed";
  std::string pod_ip;
  bool network_ready = false;
  bool acted = false;  // containers started or stopped: the view above is stale

  if (terminal) {
    acted = view.AnyRunning() || view.ReadySandbox() != nullptr;
    StopFinishedPod(pod, view);
  } else if (Status st = EnsureSandbox(pod, view, &pod_ip); !st.ok()) {
    kLog.Debug("pod {}: sandbox not ready: {}", key, st.message());
    result.requeue_after = kRetrySoon;
  } else {
    network_ready = true;
    timer.Mark("sandbox");
    const runtime::SandboxStatus* sandbox = view.ReadySandbox();
    bool initialized = true;
    for (const Json& c : ContainerList(pod, "initContainers")) {
      const ContainerStatus* latest = view.Latest(api::GetString(c, "name"));
      if (latest != nullptr && Exited(*latest) && latest->exit_code == 0) continue;
      initialized = false;
      if (latest != nullptr && latest->state == ContainerState::kRunning) break;  // wait for it
      if (latest == nullptr || ShouldRestart(pod, *latest, true, result)) {
        acted = true;
        StartContainer(pod, c, true, view, sandbox->id, pod_ip, result);
      }
      break;  // one init container at a time
    }
    if (initialized) {
      std::set<std::string> restart;
      {
        std::lock_guard<std::mutex> lock(mu_);
        restart = restart_requested_[uid];
        restart_requested_.erase(uid);
      }
      for (const Json& c : ContainerList(pod, "containers")) {
        std::string name = api::GetString(c, "name");
        const ContainerStatus* latest = view.Latest(name);
        if (latest != nullptr && latest->state == ContainerState::kRunning) {
          auto hash = latest->annotations.find(kContainerHashAnnotation);
          bool changed = hash == latest->annotations.end() || hash->second != ContainerHash(c);
          if (!changed && restart.count(latest->id) == 0) continue;
          std::string why = changed ? "Container " + name + " definition changed"
                                    : "Container " + name + " failed liveness probe";
          events_.Record(pod, "Normal", "Killing", why + ", will be restarted",
                         FieldPath(c, false));
          int64_t grace =
              api::GetInt(api::ObjectField(pod, "spec"), "terminationGracePeriodSeconds", 30);
          acted = true;
          (void)runtime_.StopContainer(latest->id, std::chrono::seconds(grace));
          Result<ContainerStatus> now = runtime_.GetContainerStatus(latest->id);
          if (!now.ok()) continue;
          view.containers[name][0] = *now;
          latest = &view.containers[name][0];
        }
        if (latest == nullptr || ShouldRestart(pod, *latest, false, result)) {
          acted = true;
          StartContainer(pod, c, false, view, sandbox->id, pod_ip, result);
        }
      }
    }
    RemoveOldInstances(view);
    timer.Mark("containers");
    // Files of secret/configMap/downwardAPI/projected volumes follow their sources (the pod
    // is synced at least every relist while it has such volumes).
    if (HasProjectedVolumes(pod)) {
      RefreshProjectedVolumes(pod, PodDir(uid), Projection(pod_ip));
    }
  }

  // Status from a fresh look when this sync changed something (what was just started shows
  // as running); otherwise the first look is still current.
  if (acted) {
    Result<PodRuntime> fresh = Observe(uid);
    if (fresh.ok()) view = std::move(*fresh);
  }
  if (pod_ip.empty()) {
    if (const runtime::SandboxStatus* s = view.ReadySandbox()) {
      if (s->config.host_network) {
        pod_ip = options_.node_ip;
      } else if (net::PodNetwork* net = Network()) {
        pod_ip = net->AddressOf(s->id).value_or("");
      }
      network_ready = !pod_ip.empty();
    }
  }
  if (!terminal) EnsureProbed(pod, view, pod_ip);
  StatusInputs in;
  in.pod = &pod;
  in.runtime = &view;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = waiting_.find(uid); it != waiting_.end()) in.waiting = it->second;
  }
  in.termination_messages = TerminationMessages(pod, view);
  if (probes_.ready) {
    in.ready = [&](const std::string& c, const std::string& id) {
      return probes_.ready(uid, c, id);
    };
  }
  if (probes_.started) {
    in.started = [&](const std::string& c, const std::string& id) {
      return probes_.started(uid, c, id);
    };
  }
  in.host_ip = options_.node_ip;
  in.pod_ip = terminal ? api::GetString(api::ObjectField(pod, "status"), "podIP") : pod_ip;
  in.network_ready = network_ready && !terminal;
  in.now = clock_.WallNow();
  Json status = BuildPodStatus(in);
  timer.Mark("status");
  WriteStatus(pod, std::move(status));
  timer.Mark("write");
  kLog.Debug("pod {}: synced:{}", key, timer.text());
  return result;
}

Status Kubelet::EnsureSandbox(const Json& pod, PodRuntime& view, std::string* pod_ip) {
  std::string uid = api::UidOf(pod);
  const Json& spec = api::ObjectField(pod, "spec");
  bool host_network = api::GetBool(spec, "hostNetwork");
  const runtime::SandboxStatus* ready = view.ReadySandbox();
  if (ready != nullptr) {
    if (host_network) {
      *pod_ip = options_.node_ip;
      return Status::Ok();
    }
    net::PodNetwork* net = Network();
    std::optional<std::string> ip = net ? net->AddressOf(ready->id) : std::nullopt;
    if (ip) {
      *pod_ip = *ip;
      return Status::Ok();
    }
    // A sandbox without its network (a crash between the two steps): start over below.
  }
  net::PodNetwork* net = host_network ? nullptr : Network();
  if (!host_network && net == nullptr) {
    for (const Json& c : ContainerList(pod, "containers")) {
      SetWaiting(uid, api::GetString(c, "name"), {"ContainerCreating", ""});
    }
    return Status::Unavailable("the pod network is not ready (no podCIDR yet)");
  }
  // Whatever is left of older sandboxes goes: a new sandbox restarts every container.
  if (!view.sandboxes.empty()) {
    RETURN_IF_ERROR(KillContainers(&pod, view, std::chrono::seconds(0), ""));
    for (const runtime::SandboxStatus& s : view.sandboxes) {
      (void)runtime_.StopPodSandbox(s.id);
      if (net != nullptr) (void)net->Detach(s.id);
      (void)runtime_.RemovePodSandbox(s.id);
    }
  }

  const Json& meta = api::ObjectField(pod, "metadata");
  runtime::SandboxConfig config;
  config.name =
      fmt::format("{}_{}_{}", api::GetString(meta, "namespace"), api::GetString(meta, "name"), uid);
  config.hostname = PodHostname(pod);
  config.host_network = host_network;
  config.host_ipc = api::GetBool(spec, "hostIPC");
  config.host_pid = api::GetBool(spec, "hostPID");
  config.share_pid = api::GetBool(spec, "shareProcessNamespace");
  config.cgroup_parent = runtime::PodCgroupPath(PodQos(pod), uid);
  config.resources = PodResources(pod);
  config.labels = {{kPodUidLabel, uid},
                   {kPodNameLabel, api::GetString(meta, "name")},
                   {kPodNamespaceLabel, api::GetString(meta, "namespace")}};
  Result<std::string> id = runtime_.RunPodSandbox(config);
  if (id.ok()) index_.AddSandbox(uid, *id);
  if (!id.ok()) {
    kLog.Warn("pod {}: sandbox: {}", client::ObjectKey(pod), id.status().message());
    events_.Record(pod, "Warning", "FailedCreatePodSandBox",
                   "Failed to create pod sandbox: " + id.status().message());
    return id.status();
  }
  if (host_network) {
    *pod_ip = options_.node_ip;
  } else {
    Result<runtime::SandboxStatus> status = runtime_.PodSandboxStatus(*id);
    Result<net::PodAttachment> attached = status.ok() ? net->Attach(*id, status->netns_path)
                                                      : Result<net::PodAttachment>(status.status());
    if (!attached.ok()) {
      kLog.Warn("pod {}: network: {}", client::ObjectKey(pod), attached.status().message());
      events_.Record(pod, "Warning", "FailedCreatePodSandBox",
                     "Failed to create pod sandbox: network: " + attached.status().message());
      (void)runtime_.StopPodSandbox(*id);
      (void)net->Detach(*id);
      (void)runtime_.RemovePodSandbox(*id);
      return attached.status();
    }
    *pod_ip = attached->ip;
  }
  RETURN_IF_ERROR(WritePodFiles(PodDir(uid), pod, *pod_ip, options_.dns).status());
  ASSIGN_OR_RETURN(runtime::SandboxStatus created, runtime_.PodSandboxStatus(*id));
  view.sandboxes = {std::move(created)};
  view.containers.clear();
  return Status::Ok();
}

bool Kubelet::ShouldRestart(const Json& pod, const ContainerStatus& latest, bool init,
                            SyncResult& result) {
  std::string name = latest.labels.count(kContainerNameLabel)
                         ? latest.labels.at(kContainerNameLabel)
                         : latest.name;
  if (!Exited(latest)) {
    // Created but never started (a crash in between): start a new instance.
    (void)runtime_.RemoveContainer(latest.id);
    return true;
  }
  std::string policy = api::GetString(api::ObjectField(pod, "spec"), "restartPolicy", "Always");
  bool restart = policy == "Always" || (policy == "OnFailure" && latest.exit_code != 0) ||
                 (init && policy != "Never" && latest.exit_code != 0);
  if (!restart) return false;
  std::string uid = api::UidOf(pod);
  std::string backoff_key = uid + "/" + name;
  std::chrono::milliseconds wait =
      crash_backoff_.Remaining(backoff_key, MonoOf(clock_, latest.finished_at));
  if (wait > std::chrono::milliseconds(0)) {
    const Json& meta = api::ObjectField(pod, "metadata");
    std::string message =
        fmt::format("back-off {} restarting failed container={} pod={}_{}({})",
                    FormatDuration(crash_backoff_.Current(backoff_key)), name,
                    api::GetString(meta, "name"), api::GetString(meta, "namespace"), uid);
    SetWaiting(uid, name, {"CrashLoopBackOff", message});
    events_.Record(
        pod, "Warning", "BackOff",
        fmt::format("Back-off restarting failed container {} in pod {}_{}({})", name,
                    api::GetString(meta, "name"), api::GetString(meta, "namespace"), uid),
        fmt::format("spec.{}{{{}}}", init ? "initContainers" : "containers", name));
    if (!result.requeue_after || *result.requeue_after > wait) result.requeue_after = wait;
    return false;
  }
  crash_backoff_.Next(backoff_key);
  return true;
}

bool Kubelet::StartContainer(const Json& pod, const Json& container, bool init,
                             const PodRuntime& view, const std::string& sandbox_id,
                             const std::string& pod_ip, SyncResult& result) {
  std::string uid = api::UidOf(pod);
  std::string name = api::GetString(container, "name");
  std::string field = FieldPath(container, init);
  const ContainerStatus* latest = view.Latest(name);
  int restart_count = latest == nullptr ? 0 : RestartCountOf(*latest) + 1;
  std::string id = RandomString(64, "0123456789abcdef");
  auto fail = [&](const std::string& reason, const std::string& message, bool event) {
    SetWaiting(uid, name, {reason, message});
    if (event) events_.Record(pod, "Warning", "Failed", "Error: " + message, field);
    if (!result.requeue_after || *result.requeue_after > std::chrono::seconds(10)) {
      result.requeue_after = std::chrono::seconds(10);
    }
    return false;
  };

  ImageError image_error;
  Result<PreparedImage> image = images_.Prepare(pod, container, id, &image_error);
  if (!image.ok()) {
    SetWaiting(uid, name, {image_error.reason, image_error.message});
    result.requeue_after = std::chrono::seconds(image_error.reason == "ErrImageNeverPull" ? 30 : 2);
    return false;
  }
  auto release = [&] { images_.Release(id); };

  ProjectionContext projection = Projection(pod_ip);
  const EnvContext& env_context = projection.env;
  Result<std::vector<std::string>> env =
      ContainerEnv(pod, container, env_context, projection.lookup);
  if (!env.ok()) {
    release();
    return fail("CreateContainerConfigError", env.status().message(), true);
  }

  std::string pod_dir = PodDir(uid);
  std::string log_dir = PodLogDir(pod) + "/" + name;
  Result<std::map<std::string, std::string>> volumes = PrepareVolumes(pod, pod_dir, &projection);
  if (!volumes.ok()) {
    release();
    events_.Record(pod, "Warning", "FailedMount", volumes.status().message());
    return fail("ContainerCreating", "", false);
  }
  Result<std::vector<runtime::BindMount>> mounts = VolumeMounts(container, *volumes);
  if (!mounts.ok()) {
    release();
    return fail("CreateContainerConfigError", mounts.status().message(), true);
  }
  ContainerContext context;
  context.id = id;
  context.sandbox_id = sandbox_id;
  context.pod_dir = pod_dir;
  context.log_path = fmt::format("{}/{}.log", log_dir, restart_count);
  context.seccomp_dir = options_.data_dir + "/agent/seccomp";
  context.files = {pod_dir + "/etc-hosts", pod_dir + "/etc-hostname", pod_dir + "/resolv.conf"};
  context.env = std::move(*env);
  context.image = image->defaults;
  context.qos = PodQos(pod);
  context.node_memory = machine_.memory_bytes;
  context.restart_count = restart_count;
  context.init_container = init;
  Result<runtime::ContainerSpec> spec = BuildContainerSpec(pod, container, context);
  if (!spec.ok()) {
    release();
    return fail("CreateContainerConfigError", spec.status().message(), true);
  }
  spec->mounts.insert(spec->mounts.end(), mounts->begin(), mounts->end());
  spec->annotations[kImageIdAnnotation] = image->repo_ref.empty() ? image->id : image->repo_ref;
  spec->annotations[kImageRefAnnotation] = image->name;

  // The termination message file must exist before it is bind-mounted.
  std::string termination = spec->annotations[kTerminationMessagePathAnnotation];
  Status st = MakeDirs(termination.substr(0, termination.rfind('/')), 0750);
  if (st.ok()) st = MakeDirs(log_dir, 0755);
  if (st.ok()) {
    int fd = ::open(termination.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0666);
    if (fd < 0) {
      st = Status::FromErrno(errno, "create " + termination);
    } else {
      ::fchmod(fd, 0666);
      ::close(fd);
    }
  }
  if (!st.ok()) {
    release();
    return fail("CreateContainerError", st.message(), true);
  }

  Result<std::string> created = runtime_.CreateContainer(sandbox_id, std::move(*spec));
  if (created.ok()) index_.AddContainer(uid, *created);
  if (!created.ok()) {
    release();
    return fail("CreateContainerError", created.status().message(), true);
  }
  events_.Record(pod, "Normal", "Created", "Created container " + name, field);
  UniqueFd exit_notify;
  runtime::StartOptions start;
  start.exit_notify = &exit_notify;
  st = runtime_.StartContainer(*created, start);
  if (!st.ok()) {
    events_.Record(pod, "Warning", "Failed", "Error: " + st.message(), field);
    // With restartPolicy Never the failed instance is final (the pod fails); otherwise it
    // is retried after the back-off.
    if (api::GetString(api::ObjectField(pod, "spec"), "restartPolicy", "Always") != "Never") {
      SetWaiting(uid, name, {"RunContainerError", st.message()});
    }
    // The failed instance stays (exited, StartError) so that the back-off applies to it.
    crash_backoff_.Next(uid + "/" + name);
    if (!result.requeue_after || *result.requeue_after > std::chrono::seconds(1)) {
      result.requeue_after = std::chrono::seconds(1);
    }
    return false;
  }
  ClearWaiting(uid, name);
  events_.Record(pod, "Normal", "Started", "Started container " + name, field);
  if (exit_notify.get() >= 0) WatchExit(uid, std::move(exit_notify));
  if (!init && !RunPostStartHook(pod, container, *created, pod_ip)) return false;
  kLog.Debug("pod {}: started container {} ({})", client::ObjectKey(pod), name, *created);
  return true;
}

void Kubelet::RemoveOldInstances(PodRuntime& view) {
  // The newest instance is the status, the one before it the lastState; older ones go.
  for (auto& [name, list] : view.containers) {
    while (list.size() > 2 && Exited(list.back())) {
      (void)runtime_.RemoveContainer(list.back().id);
      images_.Release(list.back().id);
      {
        std::lock_guard<std::mutex> lock(mu_);
        termination_cache_.erase(list.back().id);
      }
      list.pop_back();
    }
  }
}

std::map<std::string, std::string> Kubelet::TerminationMessages(const Json& pod,
                                                                const PodRuntime& view) {
  std::map<std::string, std::string> out;
  for (const auto& [name, list] : view.containers) {
    for (size_t i = 0; i < list.size() && i < 2; ++i) {
      const ContainerStatus& c = list[i];
      if (!Exited(c)) continue;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (auto it = termination_cache_.find(c.id); it != termination_cache_.end()) {
          out[c.id] = it->second;
          continue;
        }
      }
      std::string message;
      auto path = c.annotations.find(kTerminationMessagePathAnnotation);
      if (path != c.annotations.end()) {
        if (Result<std::string> text = ReadFileToString(path->second); text.ok()) {
          message = text->substr(0, 4096);
        }
      }
      // FallbackToLogsOnError: the end of the log of a failed container.
      std::string policy;
      for (const char* key : {"containers", "initContainers"}) {
        for (const Json& spec : ContainerList(pod, key)) {
          if (api::GetString(spec, "name") == name) {
            policy = api::GetString(spec, "terminationMessagePolicy");
          }
        }
      }
      if (message.empty() && policy == "FallbackToLogsOnError" && c.exit_code != 0) {
        runtime::LogReadOptions options;
        options.tail = 80;
        std::string tail;
        (void)runtime_.ReadLogs(c.id, options, [&](runtime::LogStream, std::string_view line) {
          tail.append(line);
          return true;
        });
        message = tail.size() > 2048 ? tail.substr(tail.size() - 2048) : tail;
      }
      std::lock_guard<std::mutex> lock(mu_);
      termination_cache_[c.id] = message;
      out[c.id] = message;
    }
  }
  return out;
}

}  // namespace sampan::kubelet
