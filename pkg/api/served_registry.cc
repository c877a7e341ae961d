#include "pkg/api/served_registry.h"

namespace sampan::api {

ServedRegistry::ServedRegistry()
    : current_(std::make_shared<const Registry>(Registry::Builtin().resources())) {}

std::shared_ptr<const Registry> ServedRegistry::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

void ServedRegistry::SetCustomResources(std::vector<ResourceInfo> custom) {
  std::vector<ResourceInfo> all = Registry::Builtin().resources();
  for (ResourceInfo& r : custom) {
    // A custom resource never shadows a built-in one.
    if (Registry::Builtin().Find(r.group, r.version, r.resource) == nullptr) {
      r.type_key.clear();
      r.storage_name.clear();
      all.push_back(std::move(r));
    }
  }
  auto next = std::make_shared<const Registry>(std::move(all));
  std::lock_guard<std::mutex> lock(mu_);
  current_ = std::move(next);
}

}  // namespace sampan::api
