#include "pkg/apiserver/namespace_finalizer.h"

#include <set>

#include "pkg/api/builtin_resources.h"
#include "pkg/apiserver/object_codec.h"
#include "pkg/util/log.h"
#include "pkg/util/time_format.h"

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
  ASSIGN_OR_RETURN(f->watch_, rest.store().WatchPrefix(
                                  StoragePrefix(Namespaces(), ""), 0,
                                  [self](const std::vector<storage::EventPtr>&) {
                                    std::lock_guard<std::mutex> lock(self->mu_);
                                    self->dirty_ = true;
                                    self->cv_.notify_one();
                                  }));
  f->thread_ = std::thread([self] { self->Run(); });
  return f;
}

NamespaceFinalizer::~NamespaceFinalizer() { Stop(); }

void NamespaceFinalizer::Stop() {
  if (watch_) watch_->Cancel();
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void NamespaceFinalizer::Run() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, std::chrono::seconds(1), [&] { return dirty_ || stop_; });
      if (stop_) return;
      dirty_ = false;
    }
    Result<storage::ListResult> list = rest_.store().List(StoragePrefix(Namespaces(), ""), {});
    if (!list.ok()) continue;
    bool pending = false;
    for (const auto& kv : list->items) {
      Result<Json> ns = api::ParseJson(kv.value);
      if (!ns.ok() || !api::FindPath(*ns, "metadata.deletionTimestamp")) continue;
      if (!Finalize(api::GetString((*ns)["metadata"], "name"))) pending = true;
    }
    if (pending) {
      std::lock_guard<std::mutex> lock(mu_);
      dirty_ = true;  // recheck after the wait
    }
  }
}

bool NamespaceFinalizer::Finalize(const std::string& ns) {
  storage::Store& store = rest_.store();
  bool remaining = false;
  std::set<std::string> done;
  std::shared_ptr<const api::Registry> served = served_.Snapshot();
  for (const auto& r : served->resources()) {
    if (!r.namespaced || !r.Stored() || !done.insert(r.storage_name).second) continue;
    Result<storage::ListResult> items = store.List(StoragePrefix(r, ns), {});
    if (!items.ok()) return false;
    for (const auto& kv : items->items) {
      remaining = true;
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
  }
  if (remaining) {
    // Another pass confirms everything is gone (objects with finalizers may take a while).
    for (const auto& r : served->resources()) {
      if (!r.namespaced || !r.Stored()) continue;
      Result<int64_t> n = store.Count(StoragePrefix(r, ns));
      if (!n.ok() || *n > 0) return false;
    }
  }
  std::string key = StorageKey(Namespaces(), "", ns);
  Result<storage::KeyValue> kv = store.Get(key);
  if (!kv.ok()) return true;
  Result<Json> obj = api::ParseJson(kv->value);
  if (!obj.ok()) return false;
  const Json* meta_fin = api::FindPath(*obj, "metadata.finalizers");
  if (meta_fin && meta_fin->is_array() && !meta_fin->empty()) {
    // Someone else's finalizer: drop ours and wait for theirs.
    (*obj)["spec"]["finalizers"] = Json::array();
    (void)store.Update(key, EncodeForStorage(*obj), kv->mod_revision);
    return false;
  }
  Result<storage::KeyValue> gone = store.Delete(key, kv->mod_revision);
  if (gone.ok()) kLog.Info("namespace {} deleted", ns);
  return gone.ok();
}

}  // namespace sampan::apiserver
