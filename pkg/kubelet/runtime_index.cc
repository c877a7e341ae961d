#include "pkg/kubelet/runtime_index.h"

namespace sampan::kubelet {

void RuntimeIndex::Learn(const std::map<std::string, PodRuntime>& by_pod) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [uid, view] : by_pod) {
    Ids& ids = pods_[uid];
    for (const runtime::SandboxStatus& s : view.sandboxes) ids.sandboxes.insert(s.id);
    for (const auto& [name, list] : view.containers) {
      for (const runtime::ContainerStatus& c : list) ids.containers.insert(c.id);
    }
  }
  primed_ = true;
}

bool RuntimeIndex::primed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return primed_;
}

void RuntimeIndex::AddSandbox(const std::string& pod_uid, const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  pods_[pod_uid].sandboxes.insert(id);
}

void RuntimeIndex::AddContainer(const std::string& pod_uid, const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  pods_[pod_uid].containers.insert(id);
}

void RuntimeIndex::Forget(const std::string& pod_uid, const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = pods_.find(pod_uid);
  if (it == pods_.end()) return;
  it->second.sandboxes.erase(id);
  it->second.containers.erase(id);
  if (it->second.sandboxes.empty() && it->second.containers.empty()) pods_.erase(it);
}

RuntimeIndex::Ids RuntimeIndex::Of(const std::string& pod_uid) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = pods_.find(pod_uid);
  return it == pods_.end() ? Ids{} : it->second;
}

}  // namespace sampan::kubelet
