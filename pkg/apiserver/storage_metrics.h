#pragma once
// The store's metrics on the API server's /metrics, as upstream names them:
// apiserver_storage_objects{resource} (objects stored per resource; "pods",
// "deployments.apps") and apiserver_storage_size_bytes (the database and its log).

#include <string>

#include "pkg/api/registry.h"
#include "storage/store.h"

namespace sampan::apiserver {

// Counts every stored resource of `registry` (one store query each): for a scrape, not for
// a hot path.
void AppendStorageMetrics(std::string& out, const api::Registry& registry, storage::Store& store);

}  // namespace sampan::apiserver
