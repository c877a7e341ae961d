#include "pkg/apiserver/storage_metrics.h"

#include <map>

#include "pkg/apiserver/object_codec.h"
#include "pkg/util/prometheus_text.h"

namespace sampan::apiserver {

void AppendStorageMetrics(std::string& out, const api::Registry& registry, storage::Store& store) {
  using prometheus::AppendHeader;
  using prometheus::AppendSample;
  // One count per resource label: the versions of a resource share its storage. Custom
  // resources are in the served registry too.
  std::map<std::string, const api::ResourceInfo*> resources;
  for (const api::ResourceInfo& r : registry.resources()) {
    if (!r.Stored()) continue;
    resources.emplace(r.group.empty() ? r.resource : r.resource + "." + r.group, &r);
  }
  AppendHeader(out, "apiserver_storage_objects", "Objects stored, per resource.", "gauge");
  for (const auto& [label, r] : resources) {
    Result<int64_t> n = store.Count(StoragePrefix(*r, ""));
    if (n.ok()) AppendSample(out, "apiserver_storage_objects", {{"resource", label}}, *n);
  }
  AppendHeader(out, "apiserver_storage_size_bytes",
               "Size of the storage database and its write-ahead log, in bytes.", "gauge", "ALPHA");
  AppendSample(out, "apiserver_storage_size_bytes", {{"storage_cluster_id", "sqlite"}},
               static_cast<double>(store.Stats().db_bytes));
}

}  // namespace sampan::apiserver
