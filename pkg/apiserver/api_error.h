#pragma once
// ApiError: an error as the Kubernetes API reports it, a `Status` object with the HTTP code,
// reason, message and details (name, group, kind, causes). Builders produce upstream's exact
// messages, which kubectl prints to users.

#include <string>
#include <vector>

#include "pkg/api/json.h"
#include "pkg/api/registry.h"
#include "pkg/util/status.h"

namespace sampan::apiserver {

struct Cause {
  std::string reason;  // "FieldValueInvalid"
  std::string message;
  std::string field;   // "spec.containers[0].image"
};

struct ApiError {
  int code = 500;
  std::string reason;  // "NotFound"
  std::string message;
  std::string name, group, kind;  // details
  std::vector<Cause> causes;
  int retry_after_seconds = 0;

  api::Json ToJson() const;
  std::string Body() const { return api::Dump(ToJson()); }
};

// The reason of a Conflict on a stale resourceVersion, as upstream words it.
inline constexpr const char* kObjectModified =
    "the object has been modified; please apply your changes to the latest version and try "
    "again";

// Resource-qualified errors (details.kind is the resource plural, as upstream).
ApiError NotFound(const api::ResourceInfo& r, const std::string& name);
ApiError AlreadyExists(const api::ResourceInfo& r, const std::string& name);
ApiError Conflict(const api::ResourceInfo& r, const std::string& name, const std::string& why);
// `Kind "name" is invalid: [causes]` with details.kind = Kind.
ApiError Invalid(const api::ResourceInfo& r, const std::string& name, std::vector<Cause> causes);
ApiError BadRequest(const std::string& message);
ApiError MethodNotAllowed(const std::string& message);
ApiError Forbidden(const std::string& message);
ApiError Unauthorized();
ApiError Gone(const std::string& message);
ApiError UnsupportedMediaType(const std::string& content_type);
ApiError NotAcceptable(const std::string& message);
ApiError Internal(const std::string& message);
// Generic mapping of a Status (e.g. from the store) for an object of resource r.
ApiError FromStatus(const Status& status, const api::ResourceInfo* r = nullptr,
                    const std::string& name = "");

}  // namespace sampan::apiserver
