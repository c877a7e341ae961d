// The garbage collector's view of custom resources: one metadata informer per collection
// of an established CRD, started and stopped as CRDs come and go.
#include "pkg/api/custom_resource.h"
#include "pkg/controllers/gc/garbage_collector.h"

namespace sampan::controllers {

void GarbageCollector::OnCrd(const api::Json& crd, bool deleted) {
  std::vector<api::ResourceInfo> served =
      deleted ? std::vector<api::ResourceInfo>{} : api::ResourcesOfCrd(crd);
  const api::Json& spec = api::ObjectField(crd, "spec");
  std::string storage = api::GetString(spec, "group") + "/" +
                        api::GetString(api::ObjectField(spec, "names"), "plural");
  std::unique_ptr<client::Informer> retired;
  {
    std::lock_guard<std::mutex> lock(custom_mu_);
    auto it = custom_informers_.find(storage);
    if (served.empty()) {
      if (it == custom_informers_.end()) return;
      retired = std::move(it->second);
      custom_informers_.erase(it);
      custom_by_storage_.erase(storage);
    } else {
      // The preferred version; a change of it is picked up on the next start.
      const api::ResourceInfo* known =
          custom_by_storage_.count(storage) ? custom_by_storage_[storage] : nullptr;
      if (known != nullptr && known->version == served.front().version &&
          known->namespaced == served.front().namespaced) {
        return;
      }
      if (it != custom_informers_.end()) {
        retired = std::move(it->second);
        custom_informers_.erase(it);
      }
      api::ResourceInfo info = std::move(served.front());
      info.type_key = info.storage_name = storage;
      custom_infos_.push_back(std::make_unique<api::ResourceInfo>(std::move(info)));
      const api::ResourceInfo* r = custom_infos_.back().get();
      custom_by_storage_[storage] = r;
      auto informer = NewInformer(*r, nullptr);
      if (started_) informer->Start();
      custom_informers_[storage] = std::move(informer);
    }
  }
  if (retired) retired->Stop();
}

const api::ResourceInfo* GarbageCollector::FindKind(const std::string& api_version,
                                                    const std::string& kind) {
  if (const api::ResourceInfo* r = api::Registry::Builtin().FindKind(api_version, kind)) return r;
  std::lock_guard<std::mutex> lock(custom_mu_);
  for (const auto& [storage, r] : custom_by_storage_) {
    if (r->kind == kind && r->GroupVersion() == api_version) return r;
  }
  return nullptr;
}

}  // namespace sampan::controllers
