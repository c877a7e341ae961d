#pragma once
// How API objects are kept in the store and turned back into responses without re-parsing.
//
// Stored form: compact JSON laid out as {"apiVersion":...,"kind":...,"metadata":{...},...}
// with no metadata.resourceVersion: the resourceVersion is the store revision of the row,
// spliced in right after `"metadata":{` when the object is read. Since only two string
// fields precede it, the first `"metadata":{` is always the real one. Lists are then a
// concatenation of stored values (DESIGN.md "Hot paths").

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pkg/api/json.h"
#include "pkg/api/registry.h"

namespace sampan::apiserver {

// Strips metadata.resourceVersion and lays the object out for storage.
std::string EncodeForStorage(const api::Json& object);
// The stored bytes with metadata.resourceVersion = rv.
std::string WithResourceVersion(std::string_view stored, int64_t rv);
// Parses stored bytes and sets metadata.resourceVersion.
Result<api::Json> DecodeStored(std::string_view stored, int64_t rv);
// True if the stored object is of the given apiVersion (no conversion needed to serve it).
bool StoredAs(std::string_view stored, std::string_view api_version);

// For cluster-scoped resources `ns` is ignored, so callers can pass the request's namespace.
std::string StorageKey(const api::ResourceInfo& r, std::string_view ns, std::string_view name);
// Prefix of all objects of r in namespace ns ("" = every namespace / cluster-scoped).
std::string StoragePrefix(const api::ResourceInfo& r, std::string_view ns);

// Appends the stored bytes with metadata.resourceVersion = rv to `out`.
void AppendWithResourceVersion(std::string& out, std::string_view stored, int64_t rv);

// A list response body built in one buffer, so that listing 10,000 objects is one copy of
// their stored bytes: {"kind":"<Kind>List","apiVersion":...,"items":[...],
// "metadata":{"resourceVersion":...[,"continue":...]}}. The list metadata comes last
// because it is known last; JSON clients do not depend on the order of keys.
class ListBody {
 public:
  explicit ListBody(const api::ResourceInfo& r);
  // Room for `additional_bytes` more; grows at least twofold so that pages of a long list
  // do not copy the body once each.
  void Reserve(size_t additional_bytes) {
    size_t need = out_.size() + additional_bytes;
    if (need > out_.capacity()) out_.reserve(std::max(need, 2 * out_.capacity()));
  }
  // An item from its stored bytes.
  void AddStored(std::string_view stored, int64_t rv);
  // An already serialized item.
  void AddSerialized(std::string_view item);
  size_t count() const { return count_; }
  size_t size_bytes() const { return out_.size(); }
  // The body so far, for a streamed list; later items continue it.
  std::string TakeChunk() { return std::exchange(out_, std::string()); }
  std::string Finish(int64_t list_rv, std::string_view continue_token, int64_t remaining = -1) &&;

 private:
  std::string out_;
  size_t count_ = 0;
};

}  // namespace sampan::apiserver
