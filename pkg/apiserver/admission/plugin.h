#pragma once
// An admission plugin, as upstream's kube-apiserver has them: code that sees every write of
// the API server after decoding and defaulting and may change the object (Admit, the
// mutating phase) or reject the write (Validate, the validating phase, after the kind's own
// validation). Plugins are chained in a fixed order by Chain (chain.h); the file there says
// how to add one.
//
// Threading: the API server calls plugins from many request threads at once; a plugin with
// state guards it itself. Admit and Validate must not call back into the REST handler.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pkg/api/json.h"
#include "pkg/api/registry.h"
#include "pkg/apiserver/api_error.h"

namespace sampan::apiserver::admission {

enum class Operation { kCreate, kUpdate, kDelete };

// One write as admission sees it. Subresource writes (status, scale, binding) do not pass
// through admission.
struct Attributes {
  Operation operation = Operation::kCreate;
  const api::ResourceInfo* resource = nullptr;
  std::string ns;    // "" for cluster-scoped resources
  std::string name;  // may be "" on create (generateName not resolved yet)
  // Create and update: the new object; Admit may change it, Validate only reads it.
  // Delete: nullptr.
  api::Json* object = nullptr;
  // Update and delete: the stored object. Create: nullptr.
  const api::Json* old_object = nullptr;
  // dryRun=All: plugins check as usual but must not change anything (quota usage).
  bool dry_run = false;
  // The requesting user ("" for the API server's own writes).
  std::string user;
  std::vector<std::string> groups;
};

// What a plugin says: std::nullopt admits; an ApiError rejects the write with it.
using Verdict = std::optional<ApiError>;

class Plugin {
 public:
  virtual ~Plugin() = default;
  // Upstream's plugin name ("LimitRanger"), for logs.
  virtual std::string_view name() const = 0;
  // Mutating phase: may change *a.object (create/update).
  virtual Verdict Admit(Attributes& /*a*/) { return std::nullopt; }
  // Validating phase: may only reject.
  virtual Verdict Validate(const Attributes& /*a*/) { return std::nullopt; }
};

// "pods" or "deployments.apps": the resource as upstream's errors qualify it.
std::string QualifiedResource(const api::ResourceInfo& r);

// Upstream's admission.NewForbidden: 403 `<resource> "<name>" is forbidden: <reason>`.
ApiError ForbiddenFor(const Attributes& a, const std::string& reason);

// Upstream's utilerrors.NewAggregate(...).Error(): one message as is, several as
// "[a, b]" (duplicates dropped). "" for none.
std::string AggregateMessages(const std::vector<std::string>& messages);

}  // namespace sampan::apiserver::admission
