#pragma once
// How API objects are kept in the store and turned back into responses without re-parsing.
//
// Stored form: compact JSON laid out as {"apiVersion":...,"kind":...,"metadata":{...},...}
// with no metadata.resourceVersion: the resourceVersion is the store revision of the row,
// spliced in right after `"metadata":{` when the object is read. Since only two string
// fields precede it, the first `"metadata":{` is always the real one. Lists are then a
// concatenation of stored values (DESIGN.md "Hot paths").

#include <cstdint>
#include <string>
#include <string_view>
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

// {"kind":"<Kind>List","apiVersion":...,"metadata":{"resourceVersion":...[,"continue":...]},
//  "items":[...]} from already serialized items.
std::string AssembleList(const api::ResourceInfo& r, int64_t list_rv,
                         const std::vector<std::string>& items, std::string_view continue_token,
                         int64_t remaining = -1);

}  // namespace sampan::apiserver
