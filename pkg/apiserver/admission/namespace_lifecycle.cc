#include "pkg/apiserver/admission/namespace_lifecycle.h"

#include <fmt/core.h>

#include "pkg/api/builtin_resources.h"
#include "pkg/apiserver/object_codec.h"

namespace sampan::apiserver::admission {
namespace {

constexpr size_t kMaxRemembered = 4096;  // namespaces; beyond, the memo starts over

}  // namespace

Result<bool> NamespaceLifecycle::Terminating(const storage::KeyValue& kv) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = seen_.find(kv.key);
    if (it != seen_.end() && it->second.revision == kv.mod_revision) return it->second.terminating;
  }
  ASSIGN_OR_RETURN(api::Json ns, api::ParseJson(kv.value));
  bool terminating = api::FindPath(ns, "metadata.deletionTimestamp") != nullptr;
  std::lock_guard<std::mutex> lock(mu_);
  if (seen_.size() >= kMaxRemembered) seen_.clear();
  seen_[kv.key] = Seen{kv.mod_revision, terminating};
  return terminating;
}

Verdict NamespaceLifecycle::Validate(const Attributes& a) {
  if (a.operation != Operation::kCreate || !a.resource->namespaced) return std::nullopt;
  const api::ResourceInfo& namespaces = api::builtin::Namespaces();
  Result<storage::KeyValue> kv = store_.Get(StorageKey(namespaces, "", a.ns));
  Result<bool> terminating = kv.ok() ? Terminating(*kv) : Result<bool>(kv.status());
  if (!terminating.ok()) {
    if (terminating.status().IsNotFound()) return NotFound(namespaces, a.ns);
    return FromStatus(terminating.status());
  }
  if (*terminating) {
    return Forbidden(fmt::format(
        "{} \"{}\" is forbidden: unable to create new content in namespace {} because it is "
        "being terminated",
        a.resource->resource, a.name, a.ns));
  }
  return std::nullopt;
}

}  // namespace sampan::apiserver::admission
