#include "pkg/kubelet/kubelet.h"

#include "pkg/kubelet/volumes.h"

#include <fmt/format.h>

#include <charconv>

#include "pkg/api/builtin_resources.h"
#include "pkg/util/log.h"

namespace sampan::kubelet {
namespace {

const log::Logger kLog("kubelet");

using api::builtin::Nodes;
using api::builtin::Pods;

// metadata.resourceVersion as a number (the store's revision; 0 when absent).
int64_t ResourceVersionOf(const api::Json& object) {
  std::string rv = api::GetString(api::ObjectField(object, "metadata"), "resourceVersion");
  int64_t n = 0;
  std::from_chars(rv.data(), rv.data() + rv.size(), n);
  return n;
}

client::ListOptions OnNode(const std::string& node) {
  client::ListOptions options;
  options.field_selector = "spec.nodeName=" + node;
  return options;
}

}  // namespace

Kubelet::Kubelet(client::Client& client, const Clock& clock, runtime::Runtime& runtime,
                 ImageManager& images, client::EventRecorder& events, NetworkFactory network,
                 KubeletOptions options)
    : client_(client),
      clock_(clock),
      runtime_(runtime),
      images_(images),
      events_(events),
      network_factory_(std::move(network)),
      options_(std::move(options)),
      loop_("kubelet"),
      pods_(client, Pods(), "", OnNode(options_.node_name), &loop_.dispatcher()),
      queue_(clock),
      crash_backoff_(clock, options_.crash_backoff_initial, options_.crash_backoff_max) {
  if (Result<MachineFacts> facts = ReadMachine(options_.data_dir); facts.ok()) machine_ = *facts;
  pods_.AddHandlers({[this](const client::ObjectPtr& p) { OnPod(p); },
                     [this](const client::ObjectPtr&, const client::ObjectPtr& p) { OnPod(p); },
                     [this](const client::ObjectPtr& p) { OnPodDeleted(p); }});
}

Kubelet::~Kubelet() { Stop(); }

void Kubelet::Start() {
  // What the runtime still runs from before a restart is adopted, or torn down once the
  // informer shows it is no longer wanted.
  (void)runtime_.Recover();
  loop_.Start();
  if (!options_.static_pod_dir.empty()) {
    // Before the informer: a mirror pod it lists finds its static pod known.
    loop_.dispatcher().Post([this] {
      static_watcher_ = std::make_unique<StaticPodWatcher>(
          options_.static_pod_dir, options_.node_name,
          [this](StaticPodScan scan) { OnStaticPods(std::move(scan)); });
      if (Status st = static_watcher_->Start(loop_.dispatcher()); !st.ok()) {
        kLog.Error("static pods in {}: {}", options_.static_pod_dir, st.message());
      }
    });
  }
  pods_.Start();
  loop_.dispatcher().AddRepeatingTimer(options_.relist_interval, [this] { Relist(); });
  for (int i = 0; i < options_.workers; ++i) workers_.emplace_back([this] { Work(); });
}

void Kubelet::Stop() {
  if (stopped_.exchange(true)) return;
  queue_.ShutDown();
  for (std::thread& t : workers_) t.join();
  workers_.clear();
  if (static_watcher_ != nullptr) {
    loop_.dispatcher().Post([this] { static_watcher_->Stop(); });
  }
  loop_.Stop();  // the informer and the static pod watcher run on this loop
  pods_.Stop();
}

void Kubelet::OnPod(const client::ObjectPtr& pod) {
  if (IsMirrorPod(*pod)) return OnMirrorPod(pod, false);
  std::string uid = api::UidOf(*pod);
  {
    std::lock_guard<std::mutex> lock(mu_);
    desired_[uid] = pod;
  }
  queue_.Add(uid);
}

void Kubelet::OnPodDeleted(const client::ObjectPtr& pod) {
  if (IsMirrorPod(*pod)) return OnMirrorPod(pod, true);
  std::string uid = api::UidOf(*pod);
  {
    std::lock_guard<std::mutex> lock(mu_);
    desired_.erase(uid);
  }
  queue_.Add(uid);
}

void Kubelet::Requeue(const std::string& pod_uid) { queue_.Add(pod_uid); }

void Kubelet::RestartContainer(const std::string& pod_uid, const std::string& container,
                               const std::string& container_id) {
  (void)container;
  {
    std::lock_guard<std::mutex> lock(mu_);
    restart_requested_[pod_uid].insert(container_id);
  }
  queue_.Add(pod_uid);
}

std::vector<client::ObjectPtr> Kubelet::ActivePods() {
  std::vector<client::ObjectPtr> out;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [uid, pod] : desired_) {
    std::string phase = api::GetString(api::ObjectField(*pod, "status"), "phase");
    if (phase == "Succeeded" || phase == "Failed" || evictions_.count(uid) != 0) continue;
    if (api::Find(api::ObjectField(*pod, "metadata"), "deletionTimestamp") != nullptr) continue;
    out.push_back(pod);
  }
  return out;
}

void Kubelet::Evict(const api::Json& pod, const std::string& message) {
  std::string uid = api::UidOf(pod);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!evictions_.emplace(uid, message).second) return;
  }
  events_.Record(pod, "Warning", "Evicted", message);
  queue_.Add(uid);
}

client::ObjectPtr Kubelet::ApplyEviction(const std::string& uid, client::ObjectPtr pod) {
  std::string message;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = evictions_.find(uid);
    if (it == evictions_.end()) return pod;
    std::string phase = api::GetString(api::ObjectField(*pod, "status"), "phase");
    if (phase == "Failed" || phase == "Succeeded") {
      evictions_.erase(it);  // the API has it: the usual path of a finished pod from here on
      return pod;
    }
    message = it->second;
  }
  auto evicted = std::make_shared<api::Json>(*pod);
  api::Json& status = (*evicted)["status"];
  status["phase"] = "Failed";
  status["reason"] = "Evicted";
  status["message"] = message;
  // Without old conditions the built status always differs from this copy's, so that
  // WriteStatus never mistakes the copy for what the API already has.
  status.erase("conditions");
  // Hard eviction does not wait for the pod's grace period (upstream uses 1 s).
  (*evicted)["spec"]["terminationGracePeriodSeconds"] = 1;
  return evicted;
}

void Kubelet::Work() {
  while (std::optional<std::string> uid = queue_.Get()) {
    client::ObjectPtr pod;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = desired_.find(*uid);
      if (it != desired_.end()) pod = it->second;
    }
    if (pod == nullptr) {
      // Gone from the API (deleted with grace 0, or our own final delete), or a static pod
      // whose file is gone: tear down.
      client::ObjectPtr removed;
      {
        std::lock_guard<std::mutex> lock(mu_);
        auto it = removed_static_.find(*uid);
        if (it != removed_static_.end()) removed = it->second;
      }
      std::chrono::seconds grace(2);
      if (removed != nullptr) {
        grace = std::chrono::seconds(api::GetInt(api::ObjectField(*removed, "spec"),
                                                 "terminationGracePeriodSeconds", 30));
      }
      Status st = Teardown(*uid, removed.get(), grace);
      if (st.ok() && !DeleteMirror(*uid)) st = Status::Unavailable("mirror pod not deleted");
      if (!st.ok()) {
        kLog.Warn("pod {}: teardown: {}", *uid, st.message());
        queue_.AddRateLimited(*uid);
      } else {
        queue_.Forget(*uid);
        std::lock_guard<std::mutex> lock(mu_);
        waiting_.erase(*uid);
        restart_requested_.erase(*uid);
        written_status_.erase(*uid);
        removed_static_.erase(*uid);
        written_version_.erase(*uid);
        evictions_.erase(*uid);
      }
      queue_.Done(*uid);
      continue;
    }
    const api::Json& meta = api::ObjectField(*pod, "metadata");
    std::string key = client::ObjectKey(*pod);
    if (api::Find(meta, "deletionTimestamp") != nullptr) {
      int64_t grace = api::GetInt(
          meta, "deletionGracePeriodSeconds",
          api::GetInt(api::ObjectField(*pod, "spec"), "terminationGracePeriodSeconds", 30));
      Status st = Teardown(*uid, pod.get(), std::chrono::seconds(grace));
      if (st.ok()) {
        client::DeleteOptions options;
        options.grace_period_seconds = 0;
        options.uid_precondition = *uid;
        st = client_.Delete(Pods(), api::GetString(meta, "namespace"), api::GetString(meta, "name"),
                            options);
        if (st.IsNotFound() || st.code() == Code::kConflict) st = Status::Ok();
      }
      if (!st.ok()) {
        kLog.Warn("pod {}: termination: {}", key, st.message());
        queue_.AddRateLimited(*uid);
      } else {
        queue_.Forget(*uid);
      }
      queue_.Done(*uid);
      continue;
    }
    bool is_static = IsStaticPod(*pod);
    if (is_static) pod = WithMirrorStatus(pod);
    pod = ApplyEviction(*uid, std::move(pod));
    SyncResult result = SyncPod(*pod);
    if (is_static) SyncMirror(*pod);
    if (result.requeue_after) {
      queue_.AddAfter(*uid, *result.requeue_after);
    }
    queue_.Done(*uid);
  }
}

void Kubelet::Relist() {
  if (!pods_.HasSynced()) return;
  Result<std::vector<runtime::ContainerStatus>> containers = runtime_.ListContainers();
  Result<std::vector<runtime::SandboxStatus>> sandboxes = runtime_.ListPodSandboxes();
  if (!containers.ok() || !sandboxes.ok()) return;
  std::map<std::string, PodRuntime> by_pod = GroupByPod(*sandboxes, *containers);
  index_.Learn(by_pod);
  std::set<std::string> wanted;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [uid, pod] : desired_) wanted.insert(uid);
  }
  // A pod is synced when what the runtime has for it changed since the last relist (an
  // exit nobody reported, a restart of sampan), when the API no longer has it, and every
  // pod once per full resync (level-triggered: a sync with nothing to do writes nothing).
  bool full = clock_.Now() - last_full_resync_ >= options_.full_resync_interval;
  if (full) last_full_resync_ = clock_.Now();
  std::map<std::string, std::string> signatures;
  for (const auto& [uid, view] : by_pod) {
    std::string& sig = signatures[uid];
    for (const runtime::SandboxStatus& s : view.sandboxes) {
      sig += s.id + (s.state == runtime::SandboxState::kReady ? "+" : "-");
    }
    for (const auto& [name, list] : view.containers) {
      for (const runtime::ContainerStatus& c : list) {
        sig += c.id + std::string(runtime::ContainerStateName(c.state));
      }
    }
    auto old = relist_signatures_.find(uid);
    bool changed = old == relist_signatures_.end() || old->second != sig;
    if (changed || full || wanted.count(uid) == 0) queue_.Add(uid);
  }
  if (full) {
    for (const std::string& uid : wanted) queue_.Add(uid);
  } else {
    // Pods with projected volumes every relist: their files follow ConfigMaps and Secrets.
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [uid, pod] : desired_) {
      if (pod && HasProjectedVolumes(*pod)) queue_.Add(uid);
    }
  }
  relist_signatures_ = std::move(signatures);
}

void Kubelet::WatchExit(const std::string& pod_uid, UniqueFd notify) {
  int fd = notify.Release();
  loop_.dispatcher().Post([this, pod_uid, fd] {
    auto id = std::make_shared<Dispatcher::FdWatchId>(0);
    *id = loop_.dispatcher().WatchFd(fd, true, false, [this, pod_uid, fd, id](int) {
      loop_.dispatcher().UnwatchFd(*id);
      ::close(fd);
      queue_.Add(pod_uid);
    });
  });
}

Result<PodRuntime> Kubelet::Observe(const std::string& pod_uid) {
  if (!index_.primed()) {
    ASSIGN_OR_RETURN(std::vector<runtime::SandboxStatus> sandboxes, runtime_.ListPodSandboxes());
    ASSIGN_OR_RETURN(std::vector<runtime::ContainerStatus> containers, runtime_.ListContainers());
    std::map<std::string, PodRuntime> by_pod =
        GroupByPod(std::move(sandboxes), std::move(containers));
    index_.Learn(by_pod);
    auto it = by_pod.find(pod_uid);
    if (it == by_pod.end()) return PodRuntime{};
    return std::move(it->second);
  }
  RuntimeIndex::Ids ids = index_.Of(pod_uid);
  std::vector<runtime::SandboxStatus> sandboxes;
  std::vector<runtime::ContainerStatus> containers;
  for (const std::string& id : ids.sandboxes) {
    Result<runtime::SandboxStatus> s = runtime_.PodSandboxStatus(id);
    if (s.ok()) {
      sandboxes.push_back(std::move(*s));
    } else if (s.status().IsNotFound()) {
      index_.Forget(pod_uid, id);
    } else {
      return s.status();
    }
  }
  for (const std::string& id : ids.containers) {
    Result<runtime::ContainerStatus> c = runtime_.GetContainerStatus(id);
    if (c.ok()) {
      containers.push_back(std::move(*c));
    } else if (c.status().IsNotFound()) {
      index_.Forget(pod_uid, id);
    } else {
      return c.status();
    }
  }
  std::map<std::string, PodRuntime> by_pod =
      GroupByPod(std::move(sandboxes), std::move(containers));
  auto it = by_pod.find(pod_uid);
  if (it == by_pod.end()) return PodRuntime{};
  return std::move(it->second);
}

net::PodNetwork* Kubelet::Network() {
  std::lock_guard<std::mutex> lock(network_mu_);
  if (network_ != nullptr) return network_.get();
  Result<api::Json> node = client_.Get(Nodes(), "", options_.node_name);
  if (!node.ok()) return nullptr;
  std::string cidr = api::GetString(api::ObjectField(*node, "spec"), "podCIDR");
  if (cidr.empty()) return nullptr;
  Result<std::unique_ptr<net::PodNetwork>> network = network_factory_(cidr);
  if (!network.ok()) {
    kLog.Error("pod network for {}: {}", cidr, network.status().message());
    return nullptr;
  }
  // Addresses and veths of sandboxes that no longer exist (a crash) go back to the pool;
  // running pods keep theirs.
  std::set<std::string> live;
  if (Result<std::vector<runtime::SandboxStatus>> sandboxes = runtime_.ListPodSandboxes();
      sandboxes.ok()) {
    for (const runtime::SandboxStatus& s : *sandboxes) {
      if (s.state == runtime::SandboxState::kReady) live.insert(s.id);
    }
    if (Status st = (*network)->ReleaseExcept(live); !st.ok()) {
      kLog.Warn("pod network: releasing stale addresses: {}", st.message());
    }
  }
  kLog.Info("pod network ready: {}", cidr);
  network_ = std::move(*network);
  return network_.get();
}

void Kubelet::WriteStatus(const api::Json& pod, api::Json status) {
  std::string uid = api::UidOf(pod);
  client::ObjectPtr target = StatusTarget(pod);
  if (target == nullptr) return;  // a static pod without its mirror yet
  api::Json comparable = ComparableStatus(status);
  int64_t version = ResourceVersionOf(pod);
  bool theirs_equal = ComparableStatus(api::ObjectField(pod, "status")) == comparable;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = written_status_.find(uid);
    // Written already, unless someone wrote the pod's status after us (the node lifecycle
    // controller marks the pods of a node it lost touch with not ready): then ours goes again.
    if (it != written_status_.end() && it->second == comparable &&
        (theirs_equal || version <= written_version_[uid])) {
      return;
    }
  }
  if (theirs_equal) {
    std::lock_guard<std::mutex> lock(mu_);
    written_status_[uid] = std::move(comparable);
    written_version_[uid] = version;
    return;
  }
  const api::Json& meta = api::ObjectField(*target, "metadata");
  api::Json patch = {{"metadata", {{"uid", api::UidOf(*target)}}}, {"status", std::move(status)}};
  Result<api::Json> patched =
      client_.Patch(Pods(), api::GetString(meta, "namespace"), api::GetString(meta, "name"),
                    client::PatchType::kMerge, patch, "status");
  if (!patched.ok()) {
    kLog.Debug("pod {}: status: {}", client::ObjectKey(pod), patched.status().message());
    queue_.AddAfter(uid, std::chrono::seconds(1));
    return;
  }
  std::lock_guard<std::mutex> lock(mu_);
  written_status_[uid] = std::move(comparable);
  written_version_[uid] = ResourceVersionOf(*patched);
}

std::string Kubelet::PodDir(const std::string& uid) const {
  return options_.data_dir + "/pods/" + uid;
}

std::string Kubelet::PodLogDir(const api::Json& pod) const {
  const api::Json& meta = api::ObjectField(pod, "metadata");
  return fmt::format("{}/{}_{}_{}", options_.pod_log_dir, api::GetString(meta, "namespace"),
                     api::GetString(meta, "name"), api::GetString(meta, "uid"));
}

}  // namespace sampan::kubelet
