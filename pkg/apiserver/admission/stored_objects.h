#pragma once
// Reads of stored objects for admission plugins, which look at other objects of the
// namespace (LimitRanges, ResourceQuotas) or the cluster (StorageClasses, the namespace)
// straight in the store, decoded as `r` serves them. Stateless; thread-safe.

#include <string>
#include <vector>

#include "pkg/api/json.h"
#include "pkg/api/registry.h"
#include "pkg/util/status.h"
#include "storage/store.h"

namespace sampan::apiserver::admission {

struct StoredObject {
  api::Json object;      // with metadata.resourceVersion
  int64_t revision = 0;  // for a compare-and-swap update
};

// Every object of `r` in `ns` ("" = cluster-scoped or all namespaces), in key order.
Result<std::vector<StoredObject>> ListStored(storage::Store& store, const api::ResourceInfo& r,
                                             const std::string& ns);
Result<StoredObject> GetStored(storage::Store& store, const api::ResourceInfo& r,
                               const std::string& ns, const std::string& name);
// Compare-and-swap write of `object` over `revision` (kConflict if it changed since).
Result<int64_t> UpdateStored(storage::Store& store, const api::ResourceInfo& r,
                             const api::Json& object, int64_t revision);

}  // namespace sampan::apiserver::admission
