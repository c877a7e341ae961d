// The kubelet's side of static pods: which pods the manifest directory wants, and the
// mirror pods that show them in the API. A static pod runs whatever the API says; its mirror
// is recreated when deleted (deleting it through the API does not stop the pod) and
// replaced when the file changes.
#include "pkg/api/builtin_resources.h"
#include "pkg/kubelet/kubelet.h"
#include "pkg/util/log.h"

namespace sampan::kubelet {
namespace {

const log::Logger kLog("kubelet");

using api::builtin::Nodes;
using api::builtin::Pods;

// How long a mirror pod deleted through the API stays away before it is made again.
constexpr std::chrono::seconds kMirrorRecreateDelay{1};

}  // namespace

void Kubelet::OnStaticPods(StaticPodScan scan) {
  std::map<std::string, client::ObjectPtr> now;
  for (auto& [path, pod] : scan.pods) {
    std::string uid = api::UidOf(pod);
    now[uid] = std::make_shared<const api::Json>(std::move(pod));
  }
  std::vector<std::string> changed;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [uid, pod] : static_pods_) {
      if (now.count(uid) != 0) continue;
      kLog.Info("static pod {}: manifest removed", client::ObjectKey(*pod));
      desired_.erase(uid);
      removed_static_[uid] = pod;
      changed.push_back(uid);
    }
    for (const auto& [uid, pod] : now) {
      if (static_pods_.count(uid) != 0) continue;  // same hash: same pod
      kLog.Info("static pod {}: from manifest", client::ObjectKey(*pod));
      desired_[uid] = pod;
      removed_static_.erase(uid);
      changed.push_back(uid);
    }
    static_pods_ = std::move(now);
  }
  for (const std::string& uid : changed) queue_.Add(uid);
}

void Kubelet::OnMirrorPod(const client::ObjectPtr& mirror, bool deleted) {
  std::string hash = MirrorHash(*mirror);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = mirrors_.find(hash);
    if (deleted) {
      if (it != mirrors_.end() && api::UidOf(*it->second) == api::UidOf(*mirror))
        mirrors_.erase(it);
    } else {
      mirrors_[hash] = mirror;
    }
  }
  queue_.Add(hash);  // recreate it, write status to it, or delete it if it has no static pod
}

client::ObjectPtr Kubelet::WithMirrorStatus(const client::ObjectPtr& pod) {
  client::ObjectPtr mirror;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = mirrors_.find(api::UidOf(*pod));
    if (it != mirrors_.end()) mirror = it->second;
  }
  if (mirror == nullptr || api::Find(*mirror, "status") == nullptr) return pod;
  auto copy = std::make_shared<api::Json>(*pod);
  (*copy)["status"] = (*mirror)["status"];
  // The mirror's version: WriteStatus sees when someone else wrote the status after us.
  if (const api::Json* rv = api::Find(api::ObjectField(*mirror, "metadata"), "resourceVersion")) {
    (*copy)["metadata"]["resourceVersion"] = *rv;
  }
  return copy;
}

client::ObjectPtr Kubelet::StatusTarget(const api::Json& pod) {
  if (!IsStaticPod(pod)) return client::ObjectPtr(client::ObjectPtr(), &pod);  // not owned
  std::lock_guard<std::mutex> lock(mu_);
  auto it = mirrors_.find(api::UidOf(pod));
  if (it == mirrors_.end() || MirrorHash(*it->second) != api::UidOf(pod)) return nullptr;
  if (api::Find(api::ObjectField(*it->second, "metadata"), "deletionTimestamp") != nullptr) {
    return nullptr;
  }
  return it->second;
}

void Kubelet::SyncMirror(const api::Json& pod) {
  std::string uid = api::UidOf(pod);
  client::ObjectPtr mirror;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = mirrors_.find(uid);
    if (it != mirrors_.end()) mirror = it->second;
  }
  const api::Json& meta = api::ObjectField(pod, "metadata");
  std::string ns = api::GetString(meta, "namespace");
  std::string name = api::GetString(meta, "name");
  if (mirror != nullptr &&
      api::Find(api::ObjectField(*mirror, "metadata"), "deletionTimestamp") == nullptr) {
    return;  // in place
  }
  if (mirror != nullptr) {
    // Deleted through the API: the static pod keeps running, its mirror comes back.
    client::DeleteOptions options;
    options.grace_period_seconds = 0;
    options.uid_precondition = api::UidOf(*mirror);
    Status st = client_.Delete(Pods(), ns, name, options);
    if (!st.ok() && !st.IsNotFound() && st.code() != Code::kConflict) {
      kLog.Warn("static pod {}/{}: deleting its old mirror: {}", ns, name, st.message());
      queue_.AddAfter(uid, std::chrono::seconds(1));
      return;
    }
    ForgetMirror(uid, mirror);
    // The new mirror comes a moment later: `kubectl delete` waits for the name to go away by
    // a list and a watch, and a mirror made again before its list would look like the old
    // pod that never went. (The informer's DELETED event queues this pod again at once.)
    {
      std::lock_guard<std::mutex> lock(mu_);
      mirror_not_before_[uid] = clock_.Now() + kMirrorRecreateDelay;
    }
    queue_.AddAfter(uid, kMirrorRecreateDelay);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto wait = mirror_not_before_.find(uid);
    if (wait != mirror_not_before_.end()) {
      Clock::MonoTime now = clock_.Now();
      if (now < wait->second) {
        queue_.AddAfter(uid, wait->second - now);
        return;
      }
      mirror_not_before_.erase(wait);
    }
  }
  Result<api::Json> node = client_.Get(Nodes(), "", options_.node_name);
  if (!node.ok()) {
    queue_.AddAfter(uid, std::chrono::seconds(1));  // the API is not there yet
    return;
  }
  Result<api::Json> created = client_.Create(Pods(), MirrorPodFor(pod, api::UidOf(*node)));
  if (!created.ok()) {
    // Taken by a mirror of the file's previous version that is on its way out, or by a pod
    // of someone else's (then this keeps saying so).
    kLog.Warn("static pod {}/{}: mirror pod: {}", ns, name, created.status().message());
    queue_.AddAfter(uid, std::chrono::seconds(2));
    return;
  }
  kLog.Info("static pod {}/{}: mirror pod created", ns, name);
  {
    std::lock_guard<std::mutex> lock(mu_);
    mirrors_[uid] = std::make_shared<const api::Json>(std::move(*created));
    written_status_.erase(uid);  // the new mirror has no status yet
  }
  queue_.Add(uid);
}

void Kubelet::ForgetMirror(const std::string& hash, const client::ObjectPtr& mirror) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = mirrors_.find(hash);
  if (it != mirrors_.end() && it->second == mirror) mirrors_.erase(it);
}

bool Kubelet::DeleteMirror(const std::string& hash) {
  client::ObjectPtr mirror;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = mirrors_.find(hash);
    if (it == mirrors_.end()) return true;
    mirror = it->second;
  }
  const api::Json& meta = api::ObjectField(*mirror, "metadata");
  client::DeleteOptions options;
  options.grace_period_seconds = 0;
  options.uid_precondition = api::UidOf(*mirror);
  Status st = client_.Delete(Pods(), api::GetString(meta, "namespace"),
                             api::GetString(meta, "name"), options);
  if (!st.ok() && !st.IsNotFound() && st.code() != Code::kConflict) {
    kLog.Warn("mirror pod {}: {}", client::ObjectKey(*mirror), st.message());
    return false;
  }
  ForgetMirror(hash, mirror);
  return true;
}

}  // namespace sampan::kubelet
