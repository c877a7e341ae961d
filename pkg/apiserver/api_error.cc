#include "pkg/apiserver/api_error.h"

#include <fmt/core.h>

namespace sampan::apiserver {
namespace {

std::string Qualified(const api::ResourceInfo& r) {
  return r.group.empty() ? r.resource : r.resource + "." + r.group;
}

ApiError Make(int code, std::string reason, std::string message) {
  ApiError e;
  e.code = code;
  e.reason = std::move(reason);
  e.message = std::move(message);
  return e;
}

}  // namespace

api::Json ApiError::ToJson() const {
  api::Json j = {{"kind", "Status"},
                 {"apiVersion", "v1"},
                 {"metadata", api::Json::object()},
                 {"status", "Failure"},
                 {"message", message},
                 {"reason", reason}};
  if (!name.empty() || !kind.empty() || !causes.empty() || retry_after_seconds > 0) {
    api::Json details = api::Json::object();
    if (!name.empty()) details["name"] = name;
    if (!group.empty()) details["group"] = group;
    if (!kind.empty()) details["kind"] = kind;
    if (!causes.empty()) {
      api::Json list = api::Json::array();
      for (const auto& c : causes) {
        api::Json cj = {{"reason", c.reason}, {"message", c.message}};
        if (!c.field.empty()) cj["field"] = c.field;
        list.push_back(cj);
      }
      details["causes"] = list;
    }
    if (retry_after_seconds > 0) details["retryAfterSeconds"] = retry_after_seconds;
    j["details"] = details;
  }
  j["code"] = code;
  return j;
}

ApiError NotFound(const api::ResourceInfo& r, const std::string& name) {
  ApiError e = Make(404, "NotFound", fmt::format("{} \"{}\" not found", Qualified(r), name));
  e.name = name;
  e.group = r.group;
  e.kind = r.resource;
  return e;
}

ApiError AlreadyExists(const api::ResourceInfo& r, const std::string& name) {
  ApiError e =
      Make(409, "AlreadyExists", fmt::format("{} \"{}\" already exists", Qualified(r), name));
  e.name = name;
  e.group = r.group;
  e.kind = r.resource;
  return e;
}

ApiError Conflict(const api::ResourceInfo& r, const std::string& name, const std::string& why) {
  ApiError e = Make(409, "Conflict", fmt::format("Operation cannot be fulfilled on {} \"{}\": {}",
                                                 Qualified(r), name, why));
  e.name = name;
  e.group = r.group;
  e.kind = r.resource;
  return e;
}

ApiError Invalid(const api::ResourceInfo& r, const std::string& name, std::vector<Cause> causes) {
  std::string list;
  for (size_t i = 0; i < causes.size(); ++i) {
    if (i) list += ", ";
    list += causes[i].field.empty() ? causes[i].message
                                    : causes[i].field + ": " + causes[i].message;
  }
  std::string what = causes.size() == 1 ? list : "[" + list + "]";
  // The qualified kind, as upstream: "Pod", "Deployment.apps", "Widget.example.com".
  std::string kind = r.group.empty() ? r.kind : r.kind + "." + r.group;
  ApiError e = Make(422, "Invalid", fmt::format("{} \"{}\" is invalid: {}", kind, name, what));
  e.name = name;
  e.group = r.group;
  e.kind = r.kind;
  e.causes = std::move(causes);
  return e;
}

ApiError BadRequest(const std::string& message) { return Make(400, "BadRequest", message); }
ApiError MethodNotAllowed(const std::string& message) {
  return Make(405, "MethodNotAllowed", message);
}
ApiError Forbidden(const std::string& message) { return Make(403, "Forbidden", message); }
ApiError Unauthorized() { return Make(401, "Unauthorized", "Unauthorized"); }
ApiError Gone(const std::string& message) { return Make(410, "Expired", message); }
ApiError UnsupportedMediaType(const std::string& content_type) {
  return Make(415, "UnsupportedMediaType",
              fmt::format("the body of the request was in an unknown format - accepted media "
                          "types include: application/json, application/yaml, "
                          "application/merge-patch+json (got {})",
                          content_type));
}
ApiError NotAcceptable(const std::string& message) { return Make(406, "NotAcceptable", message); }
ApiError Internal(const std::string& message) {
  return Make(500, "InternalError", "Internal error occurred: " + message);
}

ApiError FromStatus(const Status& status, const api::ResourceInfo* r, const std::string& name) {
  switch (status.code()) {
    case Code::kNotFound:
      if (r) return NotFound(*r, name);
      return Make(404, "NotFound", status.message());
    case Code::kAlreadyExists:
      if (r) return AlreadyExists(*r, name);
      return Make(409, "AlreadyExists", status.message());
    case Code::kConflict:
      if (r) return Conflict(*r, name, kObjectModified);
      return Make(409, "Conflict", status.message());
    case Code::kInvalid: return Make(422, "Invalid", status.message());
    case Code::kBadRequest: return BadRequest(status.message());
    case Code::kGone: return Gone("The resourceVersion for the provided list is too old.");
    case Code::kUnauthorized: return Unauthorized();
    case Code::kForbidden: return Forbidden(status.message());
    case Code::kMethodNotAllowed: return MethodNotAllowed(status.message());
    case Code::kTooLarge: return Make(413, "RequestEntityTooLarge", status.message());
    case Code::kUnsupported: return Make(415, "UnsupportedMediaType", status.message());
    case Code::kUnavailable: {
      ApiError e = Make(503, "ServiceUnavailable", status.message());
      e.retry_after_seconds = 1;
      return e;
    }
    default: return Internal(status.message());
  }
}

}  // namespace sampan::apiserver
