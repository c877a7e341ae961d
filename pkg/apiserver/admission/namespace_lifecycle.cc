#include "pkg/apiserver/admission/namespace_lifecycle.h"

#include <fmt/core.h>

#include "pkg/api/builtin_resources.h"
#include "pkg/apiserver/admission/stored_objects.h"

namespace sampan::apiserver::admission {

Verdict NamespaceLifecycle::Validate(const Attributes& a) {
  if (a.operation != Operation::kCreate || !a.resource->namespaced) return std::nullopt;
  const api::ResourceInfo& namespaces = api::builtin::Namespaces();
  Result<StoredObject> ns = GetStored(store_, namespaces, "", a.ns);
  if (!ns.ok()) {
    if (ns.status().IsNotFound()) return NotFound(namespaces, a.ns);
    return FromStatus(ns.status());
  }
  if (api::FindPath(ns->object, "metadata.deletionTimestamp")) {
    return Forbidden(fmt::format(
        "{} \"{}\" is forbidden: unable to create new content in namespace {} because it is "
        "being terminated",
        a.resource->resource, a.name, a.ns));
  }
  return std::nullopt;
}

}  // namespace sampan::apiserver::admission
