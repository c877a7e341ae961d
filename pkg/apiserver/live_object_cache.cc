#include "pkg/apiserver/live_object_cache.h"

#include "pkg/api/json.h"
#include "pkg/apiserver/object_codec.h"

namespace sampan::apiserver {
namespace {

// Beyond this many entries the cache starts over (misses of made-up names cannot grow it
// without bound).
constexpr size_t kMaxEntries = 50'000;

LiveObjectFacts FactsOf(const std::string& stored) {
  LiveObjectFacts facts;
  Result<api::Json> obj = api::ParseJson(stored);
  if (!obj.ok()) return facts;
  const api::Json& meta = api::ObjectField(*obj, "metadata");
  facts.exists = true;
  facts.uid = api::GetString(meta, "uid");
  const api::Json* ts = api::Find(meta, "deletionTimestamp");
  facts.terminating = ts != nullptr && !ts->is_null();
  facts.token = api::GetString(api::ObjectField(*obj, "data"), "token");
  return facts;
}

}  // namespace

Result<std::unique_ptr<LiveObjectCache>> LiveObjectCache::Start(
    storage::Store& store, const std::vector<const api::ResourceInfo*>& resources) {
  std::unique_ptr<LiveObjectCache> cache(new LiveObjectCache(store));
  LiveObjectCache* self = cache.get();
  for (const api::ResourceInfo* r : resources) {
    ASSIGN_OR_RETURN(auto watch,
                     store.WatchPrefix(StoragePrefix(*r, ""), 0,
                                       [self](const std::vector<storage::EventPtr>& events) {
                                         self->Invalidate(events);
                                       }));
    cache->watches_.push_back(std::move(watch));
  }
  return cache;
}

LiveObjectCache::~LiveObjectCache() {
  for (auto& w : watches_) w->Cancel();
}

void LiveObjectCache::Invalidate(const std::vector<storage::EventPtr>& events) {
  std::lock_guard<std::mutex> lock(mu_);
  ++generation_;
  for (const storage::EventPtr& e : events) entries_.erase(e->kv.key);
}

std::shared_ptr<const LiveObjectFacts> LiveObjectCache::Get(const api::ResourceInfo& r,
                                                            const std::string& ns,
                                                            const std::string& name) {
  std::string key = StorageKey(r, ns, name);
  uint64_t generation;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(key);
    if (it != entries_.end()) {
      hits_.fetch_add(1);
      return it->second;
    }
    generation = generation_;
  }
  misses_.fetch_add(1);
  Result<storage::KeyValue> kv = store_.Get(key);
  if (!kv.ok() && kv.status().code() != Code::kNotFound) {
    return std::make_shared<const LiveObjectFacts>();
  }
  auto facts =
      std::make_shared<const LiveObjectFacts>(kv.ok() ? FactsOf(kv->value) : LiveObjectFacts{});
  std::lock_guard<std::mutex> lock(mu_);
  // A write under a watched prefix since the read may have changed this very object.
  if (generation_ == generation) {
    if (entries_.size() >= kMaxEntries) entries_.clear();
    entries_.emplace(key, facts);
  }
  return facts;
}

}  // namespace sampan::apiserver
