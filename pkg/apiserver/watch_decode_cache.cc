#include "pkg/apiserver/watch_decode_cache.h"

#include <fmt/core.h>

#include "pkg/apiserver/version_conversion.h"

namespace sampan::apiserver {

std::shared_ptr<const DecodedObject> WatchDecodeCache::FindRecent(const api::ResourceInfo& r,
                                                                 std::string_view key,
                                                                 int64_t rv) const {
  for (const Recent& e : recent_) {
    if (e.resource == &r && e.rv == rv && e.key == key) return e.decoded;
  }
  return nullptr;
}

void WatchDecodeCache::Remember(const api::ResourceInfo& r, std::string_view key, int64_t rv,
                                std::shared_ptr<const DecodedObject> decoded) {
  Recent& e = recent_[next_recent_++ % recent_.size()];
  e.resource = &r;
  e.rv = rv;
  e.key.assign(key);
  e.decoded = std::move(decoded);
}

Result<std::shared_ptr<const DecodedObject>> WatchDecodeCache::Get(const api::ResourceInfo& r,
                                                                   std::string_view key,
                                                                   std::string_view stored,
                                                                   int64_t rv) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto hit = FindRecent(r, key, rv)) return hit;
  }
  // The group-version tells apart the versions serving one stored key; the ResourceInfo's
  // address, the snapshots of a custom resource's schema (its defaults) while watches run.
  std::string id =
      fmt::format("{}\n{}\n{}\n{}", r.GroupVersion(), static_cast<const void*>(&r), rv, key);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = entries_.find(id); it != entries_.end()) {
      Remember(r, key, rv, it->second);
      return it->second;
    }
  }
  ASSIGN_OR_RETURN(api::Json obj, DecodeServed(r, stored, rv));
  auto decoded = std::make_shared<DecodedObject>();
  decoded->json = api::Dump(obj);
  decoded->object = std::move(obj);
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = entries_.emplace(id, decoded);
  if (!inserted) return it->second;  // another thread decoded it meanwhile
  order_.push_back(std::move(id));
  while (order_.size() > capacity_) {
    entries_.erase(order_.front());
    order_.pop_front();
  }
  Remember(r, key, rv, decoded);
  return std::shared_ptr<const DecodedObject>(std::move(decoded));
}

size_t WatchDecodeCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

}  // namespace sampan::apiserver
