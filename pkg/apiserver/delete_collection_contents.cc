#include "pkg/apiserver/delete_collection_contents.h"

#include <chrono>

#include "pkg/api/json.h"
#include "pkg/apiserver/object_codec.h"
#include "pkg/util/time_format.h"

namespace sampan::apiserver {

bool DeleteOrMarkAllUnder(storage::Store& store, const std::string& prefix) {
  Result<storage::ListResult> items = store.List(prefix, {});
  if (!items.ok()) return false;
  if (items->items.empty()) return true;
  for (const auto& kv : items->items) {
    Result<api::Json> obj = api::ParseJson(kv.value);
    if (!obj.ok()) continue;
    const api::Json* fin = api::FindPath(*obj, "metadata.finalizers");
    if (fin && fin->is_array() && !fin->empty()) {
      if (!api::FindPath(*obj, "metadata.deletionTimestamp")) {
        (*obj)["metadata"]["deletionTimestamp"] = FormatRfc3339(std::chrono::system_clock::now());
        (void)store.Update(kv.key, EncodeForStorage(*obj), kv.mod_revision);
      }
    } else {
      (void)store.Delete(kv.key, kv.mod_revision);
    }
  }
  Result<int64_t> left = store.Count(prefix);
  return left.ok() && *left == 0;
}

}  // namespace sampan::apiserver
