#pragma once
// Decoded forms of stored objects, shared by the watches that deliver the same store event.
// The store hands one event to every watcher of a collection in turn (on its writer thread);
// without this each of N watchers parsed the stored bytes and dumped the served JSON again,
// N times the work of one. Entries are keyed by (resource as served, key, mod revision),
// which fixes their bytes; a small FIFO bounds the memory.

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "pkg/api/json.h"
#include "pkg/api/registry.h"

namespace sampan::apiserver {

struct DecodedObject {
  api::Json object;  // as served by the resource: resourceVersion set, version converted
  std::string json;  // api::Dump(object)
};

class WatchDecodeCache {
 public:
  explicit WatchDecodeCache(size_t capacity) : capacity_(capacity) {}

  // The served form of `stored` (written at `rv` under `key`) through `r`.
  Result<std::shared_ptr<const DecodedObject>> Get(const api::ResourceInfo& r, std::string_view key,
                                                   std::string_view stored, int64_t rv);

  size_t size() const;

 private:
  // The last few entries looked up: the watchers of one event ask for the same one or two
  // (its object and the previous one) in turn, which skips building a key and hashing it.
  struct Recent {
    const api::ResourceInfo* resource = nullptr;
    int64_t rv = 0;
    std::string key;
    std::shared_ptr<const DecodedObject> decoded;
  };
  // A recent entry for (r, key, rv), or null. Caller holds mu_.
  std::shared_ptr<const DecodedObject> FindRecent(const api::ResourceInfo& r, std::string_view key,
                                                  int64_t rv) const;
  void Remember(const api::ResourceInfo& r, std::string_view key, int64_t rv,
                std::shared_ptr<const DecodedObject> decoded);

  const size_t capacity_;
  mutable std::mutex mu_;
  std::array<Recent, 4> recent_;  // guarded by mu_
  size_t next_recent_ = 0;        // guarded by mu_
  std::unordered_map<std::string, std::shared_ptr<const DecodedObject>> entries_;
  std::deque<std::string> order_;  // insertion order, oldest first
};

// The process-wide cache the watch handler uses (a few dozen recent objects).
}  // namespace sampan::apiserver
