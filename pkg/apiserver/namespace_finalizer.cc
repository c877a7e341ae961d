#include "pkg/apiserver/namespace_finalizer.h"

#include <set>

#include "pkg/api/builtin_resources.h"
#include "pkg/apiserver/delete_collection_contents.h"
#include "pkg/apiserver/object_codec.h"
#include "pkg/util/log.h"

namespace sampan::apiserver {
namespace {

using api::Json;

const log::Logger kLog("apiserver");

using api::builtin::Namespaces;

}  // namespace

Result<std::unique_ptr<NamespaceFinalizer>> NamespaceFinalizer::Start(
    RestHandler& rest, const api::ServedRegistry& served) {
  std::unique_ptr<NamespaceFinalizer> f(new NamespaceFinalizer(rest, served));
  NamespaceFinalizer* self = f.get();
  ASSIGN_OR_RETURN(f->loop_, StoreWatchLoop::Start(rest.store(), StoragePrefix(Namespaces(), ""),
                                                   [self] { return self->Pass(); }, {}));
  return f;
}

NamespaceFinalizer::~NamespaceFinalizer() { Stop(); }

void NamespaceFinalizer::Stop() {
  if (loop_) loop_->Stop();
}

bool NamespaceFinalizer::Pass() {
  Result<storage::ListResult> list = rest_.store().List(StoragePrefix(Namespaces(), ""), {});
  if (!list.ok()) return true;
  bool pending = false;
  for (const auto& kv : list->items) {
    Result<Json> ns = api::ParseJson(kv.value);
    if (!ns.ok() || !api::FindPath(*ns, "metadata.deletionTimestamp")) continue;
    if (!Finalize(api::GetString((*ns)["metadata"], "name"))) pending = true;
  }
  return pending;
}

bool NamespaceFinalizer::Finalize(const std::string& ns) {
  storage::Store& store = rest_.store();
  bool remaining = false;
  std::set<std::string> done;
  std::shared_ptr<const api::Registry> served = served_.Snapshot();
  for (const auto& r : served->resources()) {
    if (!r.namespaced || !r.Stored() || !done.insert(r.storage_name).second) continue;
    // Objects with finalizers may take a while; the next pass looks again.
    if (!DeleteOrMarkAllUnder(store, StoragePrefix(r, ns))) remaining = true;
  }
  if (remaining) return false;
  std::string key = StorageKey(Namespaces(), "", ns);
  Result<storage::KeyValue> kv = store.Get(key);
  if (!kv.ok()) return true;
  Result<Json> obj = api::ParseJson(kv->value);
  if (!obj.ok()) return false;
  const Json* meta_fin = api::FindPath(*obj, "metadata.finalizers");
  if (meta_fin && meta_fin->is_array() && !meta_fin->empty()) {
    // Someone else's finalizer: drop ours (once: a write wakes the loop) and wait for theirs.
    const Json* spec_fin = api::FindPath(*obj, "spec.finalizers");
    if (spec_fin && spec_fin->is_array() && !spec_fin->empty()) {
      (*obj)["spec"]["finalizers"] = Json::array();
      (void)store.Update(key, EncodeForStorage(*obj), kv->mod_revision);
    }
    return false;
  }
  Result<storage::KeyValue> gone = store.Delete(key, kv->mod_revision);
  if (gone.ok()) kLog.Info("namespace {} deleted", ns);
  return gone.ok();
}

}  // namespace sampan::apiserver
