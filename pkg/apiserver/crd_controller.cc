#include "pkg/apiserver/crd_controller.h"

#include "pkg/api/builtin_resources.h"
#include "pkg/api/custom_resource.h"
#include "pkg/apiserver/delete_collection_contents.h"
#include "pkg/apiserver/object_codec.h"
#include "pkg/util/log.h"

namespace sampan::apiserver {
namespace {

using api::Json;

const log::Logger kLog("apiserver");

using api::builtin::CustomResourceDefinitions;

}  // namespace

Result<std::unique_ptr<CrdController>> CrdController::Start(RestHandler& rest,
                                                            api::ServedRegistry& served) {
  std::unique_ptr<CrdController> c(new CrdController(rest, served));
  c->Resync();
  CrdController* self = c.get();
  ASSIGN_OR_RETURN(
      c->loop_, StoreWatchLoop::Start(rest.store(), StoragePrefix(CustomResourceDefinitions(), ""),
                                      [self] { return self->Pass(); }, {}));
  return c;
}

CrdController::~CrdController() { Stop(); }

void CrdController::Stop() {
  if (loop_) loop_->Stop();
}

void CrdController::Resync() {
  std::lock_guard<std::mutex> lock(resync_mu_);
  Result<storage::ListResult> list =
      rest_.store().List(StoragePrefix(CustomResourceDefinitions(), ""), {});
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

bool CrdController::Pass() {
  Resync();
  Result<storage::ListResult> list =
      rest_.store().List(StoragePrefix(CustomResourceDefinitions(), ""), {});
  if (!list.ok()) return true;
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
  return pending;
}

bool CrdController::Finish(const Json& crd) {
  storage::Store& store = rest_.store();
  std::string name = api::GetString(api::ObjectField(crd, "metadata"), "name");
  const Json& spec = api::ObjectField(crd, "spec");
  api::ResourceInfo objects;  // only what storage keys need
  objects.storage_name = api::GetString(spec, "group") + "/" +
                         api::GetString(api::ObjectField(spec, "names"), "plural");
  objects.namespaced = false;  // the prefix of every namespace
  if (!DeleteOrMarkAllUnder(store, StoragePrefix(objects, ""))) return false;

  // Every object is gone: drop the finalizer, and the CRD when no other one is left.
  std::string key = StorageKey(CustomResourceDefinitions(), "", name);
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
    // Another finalizer is left: drop ours (once: a write wakes the loop) and wait for it.
    if (remaining.size() == meta["finalizers"].size()) return false;
    meta["finalizers"] = remaining;
    (void)store.Update(key, EncodeForStorage(*current), kv->mod_revision);
    return false;
  }
  Result<storage::KeyValue> gone = store.Delete(key, kv->mod_revision);
  if (gone.ok()) kLog.Info("customresourcedefinition {} deleted", name);
  return gone.ok();
}

}  // namespace sampan::apiserver
