#pragma once
// OpenAPI v3 documents generated from the schema (pkg/api/schema.h) and the registry:
// `/openapi/v3` lists one document per group-version, `/openapi/v3/api/v1` and
// `/openapi/v3/apis/<group>/<version>` hold its paths (with the operations' group-version-
// kind and query parameters, which kubectl checks before using fieldValidation or dryRun)
// and the schemas of its kinds (properties with their descriptions, required fields, patch
// strategies, list types; built by openapi_schemas.h, shared with /openapi/v2), which
// `kubectl explain` walks. Custom resources are described by their CRD's schema; documents
// of group-versions with custom resources are built on each request (their hash changes
// with the schema, so clients' caches follow CRD updates).
//
// Thread-safety: built-in documents are built on first request and cached; all methods may
// be called from any thread.

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "pkg/api/registry.h"
#include "pkg/api/served_registry.h"
#include "pkg/api/schema.h"

namespace sampan::apiserver {

class OpenApiV3 {
 public:
  OpenApiV3(const api::ServedRegistry& served, const api::Schema& schema);

  // The `/openapi/v3` index: {"paths": {"api/v1": {"serverRelativeURL": ...}, ...}}.
  std::string Index() const;
  // The document of "api/v1" or "apis/<group>/<version>"; nullopt if no such group-version.
  std::optional<std::string> Document(std::string_view group_version_path);

 private:
  std::string Build(const api::Registry& registry, const std::string& group,
                    const std::string& version) const;
  std::string Hash(std::string_view group_version_path) const;

  const api::ServedRegistry& served_;
  const api::Schema& schema_;
  std::mutex mu_;
  std::map<std::string, std::string, std::less<>> documents_;  // by path, built lazily
};

}  // namespace sampan::apiserver
