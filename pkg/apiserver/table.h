#pragma once
// Server-side printing: meta.k8s.io/v1 Tables with the columns kubectl users know for each
// kind (upstream's printers: pods show READY STATUS RESTARTS AGE, -o wide adds IP and NODE,
// ...). Columns with priority 1 are the -o wide ones.

#include <string>
#include <vector>

#include "pkg/api/json.h"
#include "pkg/api/registry.h"
#include "pkg/apiserver/request_info.h"

namespace sampan::apiserver {

struct TableOptions {
  enum class Include { kNone, kMetadata, kObject };
  Include include = Include::kMetadata;
  bool no_headers = false;
  static TableOptions FromQuery(const Query& query);
};

// The autoscaling/v1 Scale that scale subresources serve, as a type of its own for
// BuildTable (its columns are NAME DESIRED AVAILABLE AGE, not its parent's).
const api::ResourceInfo& ScaleResource();

// rv < 0: no list metadata (a single object).
api::Json BuildTable(const api::ResourceInfo& r, const std::vector<api::Json>& objects,
                     int64_t rv, const std::string& continue_token, const TableOptions& options);

}  // namespace sampan::apiserver
