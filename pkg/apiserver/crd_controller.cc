#include "pkg/apiserver/crd_controller.h"

#include <algorithm>

#include "pkg/api/custom_resource.h"
#include "pkg/apiserver/object_codec.h"
#include "pkg/util/log.h"
#include "pkg/util/time_format.h"

namespace sampan::apiserver {
namespace {

using api::Json;

const log::Logger kLog("apiserver");

const api::ResourceInfo& Crds() {
  return *api::Registry::Builtin().Find(api::kCrdGroup, "v1", "customresourcedefinitions");
}

}  // namespace

Result<std::unique_ptr<CrdController>> CrdController::Start(RestHandler& rest,
                                                            api::ServedRegistry& served) {
  std::unique_ptr<CrdController> c(new CrdController(rest, served));
  c->Resync();
  CrdController* self = c.get();
  ASSIGN_OR_RETURN(c->watch_,
                   rest.store().WatchPrefix(StoragePrefix(Crds(), ""), 0,
                                            [self](const std::vector<storage::EventPtr>&) {
                                              std::lock_guard<std::mutex> lock(self->mu_);
                                              self->dirty_ = true;
                                              self->cv_.notify_one();
                                            }));
  c->thread_ = std::thread([self] { self->Run(); });
  return c;
}

CrdController::~CrdController() { Stop(); }

void CrdController::Stop() {
  if (watch_) watch_->Cancel();
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void CrdController::Resync() {
  std::lock_guard<std::mutex> lock(resync_mu_);
  Result<storage::ListResult> list = rest_.store().List(StoragePrefix(Crds(), ""), {});
  if (!list.ok()) {
    kLog.Warn("listing CustomResourceDefinitions: {}", list.status().ToString());
    return;
  }
  std::vector<api::ResourceInfo> custom;
  for (const auto& kv : list->items) {
    Result<Json> crd = api::ParseJson(kv.value);
    if (!crd.ok()) continue;
    for (api::ResourceInfo& r : api::ResourcesOfCrd(*crd)) custom.push_back(std::move(r));
  }
  served_.SetCustomResources(std::move(custom));
}

void CrdController::Run() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, std::chrono::seconds(1), [&] { return dirty_ || stop_; });
      if (stop_) return;
      dirty_ = false;
    }
    Resync();
    Result<storage::ListResult> list = rest_.store().List(StoragePrefix(Crds(), ""), {});
    if (!list.ok()) continue;
    bool pending = false, finished = false;
    for (const auto& kv : list->items) {
      Result<Json> crd = api::ParseJson(kv.value);
      if (!crd.ok() || !api::FindPath(*crd, "metadata.deletionTimestamp")) continue;
      if (Finish(*crd)) {
        finished = true;
      } else {
        pending = true;
      }
    }
    if (finished) Resync();
    if (pending) {
      std::lock_guard<std::mutex> lock(mu_);
      dirty_ = true;  // recheck after the wait
    }
  }
}

bool CrdController::Finish(const Json& crd) {
  storage::Store& store = rest_.store();
  std::string name = api::GetString(api::ObjectField(crd, "metadata"), "name");
  const Json& spec = api::ObjectField(crd, "spec");
  api::ResourceInfo objects;  // only what storage keys need
  objects.storage_name = api::GetString(spec, "group") + "/" +
                         api::GetString(api::ObjectField(spec, "names"), "plural");
  objects.namespaced = false;  // the prefix of every namespace
  Result<storage::ListResult> items = store.List(StoragePrefix(objects, ""), {});
  if (!items.ok()) return false;
  for (const auto& kv : items->items) {
    Result<Json> obj = api::ParseJson(kv.value);
    if (!obj.ok()) continue;
    const Json* fin = api::FindPath(*obj, "metadata.finalizers");
    if (fin && fin->is_array() && !fin->empty()) {
      if (!api::FindPath(*obj, "metadata.deletionTimestamp")) {
        (*obj)["metadata"]["deletionTimestamp"] = FormatRfc3339(std::chrono::system_clock::now());
        (void)store.Update(kv.key, EncodeForStorage(*obj), kv.mod_revision);
      }
    } else {
      (void)store.Delete(kv.key, kv.mod_revision);
    }
  }
  Result<int64_t> left = store.Count(StoragePrefix(objects, ""));
  if (!left.ok() || *left > 0) return false;

  // Every object is gone: drop the finalizer, and the CRD when no other one is left.
  std::string key = StorageKey(Crds(), "", name);
  Result<storage::KeyValue> kv = store.Get(key);
  if (!kv.ok()) return true;
  Result<Json> current = api::ParseJson(kv->value);
  if (!current.ok()) return false;
  Json& meta = (*current)["metadata"];
  Json remaining = Json::array();
  if (meta.contains("finalizers") && meta["finalizers"].is_array()) {
    for (const Json& f : meta["finalizers"]) {
      if (f != Json(api::kCrdCleanupFinalizer)) remaining.push_back(f);
    }
  }
  if (!remaining.empty()) {
    meta["finalizers"] = remaining;
    (void)store.Update(key, EncodeForStorage(*current), kv->mod_revision);
    return false;
  }
  Result<storage::KeyValue> gone = store.Delete(key, kv->mod_revision);
  if (gone.ok()) kLog.Info("customresourcedefinition {} deleted", name);
  return gone.ok();
}

}  // namespace sampan::apiserver
