#include "pkg/apiserver/write_options.h"

#include <fmt/format.h>

#include <string>
#include <vector>

namespace sampan::apiserver {

ApiError OptionsInvalid(std::string_view kind, Cause cause) {
  ApiError e;
  e.code = 422;
  e.reason = "Invalid";
  e.group = "meta.k8s.io";
  e.kind = kind;
  e.message =
      fmt::format("{}.meta.k8s.io \"\" is invalid: {}: {}", kind, cause.field, cause.message);
  e.causes.push_back(std::move(cause));
  return e;
}

std::optional<ApiError> ParseDryRun(const Query& query, std::string_view kind, bool* dry_run,
                                    const api::Json* options) {
  std::vector<std::string> values = query.GetAll("dryRun");
  if (const api::Json* body = options ? api::Find(*options, "dryRun") : nullptr) {
    if (body->is_array()) {
      for (const api::Json& v : *body) values.push_back(v.is_string() ? v.get<std::string>() : "");
    }
  }
  *dry_run = !values.empty();
  bool all_supported = true;
  std::string quoted;  // Go's %#v of the []string: []string{"All", "x"}
  for (const std::string& v : values) {
    all_supported = all_supported && v == "All";
    if (!quoted.empty()) quoted += ", ";
    quoted += api::Dump(api::Json(v));
  }
  if (all_supported) return std::nullopt;
  return OptionsInvalid(
      kind, {"FieldValueNotSupported",
             fmt::format("Unsupported value: []string{{{}}}: supported values: \"All\"", quoted),
             "dryRun"});
}

}  // namespace sampan::apiserver
