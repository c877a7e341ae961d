#pragma once
// LiveObjectCache: what authenticating a request needs to know of an object (does it exist,
// its uid, is it being deleted, a Secret's token), read from the store on first use and then
// served from memory. One store watch per resource keeps it exact: a write's watch
// notification runs before the write is acknowledged, and it drops the entry of every key
// it touches, so a lookup never answers from anything older than the last acknowledged
// write (a deleted ServiceAccount, Secret or Pod counts as gone for the next request, as with
// a point read). Misses are cached too (a token of a deleted account stays cheap to refuse).
//
// Threading: every method may be called from any thread.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "pkg/api/registry.h"
#include "storage/store.h"

namespace sampan::apiserver {

struct LiveObjectFacts {
  bool exists = false;
  std::string uid;
  bool terminating = false;  // metadata.deletionTimestamp is set
  std::string token;         // data.token (base64) of a Secret; "" otherwise
};

class LiveObjectCache {
 public:
  // Watches the objects of `resources` (namespaced, stored as JSON).
  static Result<std::unique_ptr<LiveObjectCache>> Start(
      storage::Store& store, const std::vector<const api::ResourceInfo*>& resources);
  ~LiveObjectCache();
  LiveObjectCache(const LiveObjectCache&) = delete;
  LiveObjectCache& operator=(const LiveObjectCache&) = delete;

  // The facts of r NS/NAME now. A store error gives exists = false (and is not cached).
  std::shared_ptr<const LiveObjectFacts> Get(const api::ResourceInfo& r, const std::string& ns,
                                             const std::string& name);

  int64_t hits() const { return hits_.load(); }
  int64_t misses() const { return misses_.load(); }

 private:
  explicit LiveObjectCache(storage::Store& store) : store_(store) {}
  void Invalidate(const std::vector<storage::EventPtr>& events);

  storage::Store& store_;
  std::vector<std::unique_ptr<storage::Watch>> watches_;
  std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const LiveObjectFacts>> entries_;
  // Bumped by every invalidation: a store read that raced one is not cached.
  uint64_t generation_ = 0;
  std::atomic<int64_t> hits_{0};
  std::atomic<int64_t> misses_{0};
};

}  // namespace sampan::apiserver
