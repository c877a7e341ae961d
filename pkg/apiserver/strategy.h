#pragma once
// Strategy: the per-kind rules of the API server (as upstream's registry strategies):
// defaulting, validation, what create and update may change, and naming rules. Kinds
// without special rules use the base class. Implementations live in strategy_<group>.cc.
// Stateless and thread-safe.

#include <memory>
#include <string>
#include <vector>

#include "pkg/api/json.h"
#include "pkg/api/pod_defaults.h"
#include "pkg/api/registry.h"
#include "pkg/apiserver/api_error.h"

namespace sampan::apiserver {

enum class NameRule { kDnsSubdomain, kDnsLabel, kPathSegment };

class Strategy {
 public:
  virtual ~Strategy() = default;
  // Upstream's defaulting (SetDefaults_*): fills what the client left out.
  virtual void Default(api::Json& /*obj*/) const {}
  // Kind-specific validation of a new object (old == nullptr) or an update.
  virtual void Validate(const api::Json& /*obj*/, const api::Json* /*old*/,
                        std::vector<Cause>& /*causes*/) const {}
  // On create: e.g. reset status, set initial status fields.
  virtual void PrepareForCreate(api::Json& /*obj*/) const {}
  // On an update of the main resource. The default keeps the old status when the resource
  // has a status subresource (status changes go through /status).
  virtual void PrepareForUpdate(api::Json& obj, const api::Json& old,
                                const api::ResourceInfo& r) const;
  virtual NameRule name_rule() const { return NameRule::kDnsSubdomain; }
  // Whether an update without metadata.resourceVersion is allowed (upstream: most kinds).
  virtual bool AllowUnconditionalUpdate() const { return true; }
};

// The strategy for a resource (never null).
const Strategy& StrategyFor(const api::ResourceInfo& r);

// Shared pieces used by several strategies.
// Defaulting: sets obj[key] unless the client set it (null counts as unset).
using api::DefaultPodSpec;
using api::SetIfMissing;
void ValidatePodSpec(const api::Json& spec, const std::string& path, std::vector<Cause>& causes);
void ValidateSelectorMatchesTemplate(const api::Json& spec, const std::string& path,
                                     std::vector<Cause>& causes);

// Cause builders with upstream's message shapes.
Cause Required(const std::string& field, const std::string& detail = "");
Cause InvalidValue(const std::string& field, const api::Json& value, const std::string& detail);
Cause NotSupported(const std::string& field, const api::Json& value,
                   const std::vector<std::string>& supported);
Cause Duplicate(const std::string& field, const api::Json& value);
Cause ForbiddenField(const std::string& field, const std::string& detail);

}  // namespace sampan::apiserver
