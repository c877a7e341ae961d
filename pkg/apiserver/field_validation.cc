#include "pkg/apiserver/field_validation.h"

#include <fmt/format.h>

#include "pkg/api/custom_resource.h"
#include "pkg/api/schema.h"
#include "pkg/api/structural_schema.h"
#include "pkg/api/typed_round_trip.h"
#include "pkg/api/unknown_fields.h"

namespace sampan::apiserver {

Result<FieldValidation> ParseFieldValidation(const Query& query) {
  std::string value = query.GetOr("fieldValidation", "");
  if (value.empty() || value == "Warn") return FieldValidation::kWarn;
  if (value == "Strict") return FieldValidation::kStrict;
  if (value == "Ignore") return FieldValidation::kIgnore;
  return Status::BadRequest(fmt::format(
      "fieldValidation: Unsupported value: \"{}\": supported values: \"Ignore\", \"Strict\", "
      "\"Warn\"",
      value));
}

Status ValidateFields(api::Json& object, const api::ResourceInfo& r, FieldValidation mode,
                      std::vector<std::string>* warnings) {
  std::vector<std::string> unknown;
  if (r.custom) {  // custom resources: fields the CRD's schema does not declare are pruned
    if (!r.custom->schema.is_object()) return Status::Ok();
    unknown = api::PruneUnknownFields(object, r.custom->schema);
  } else {
    const api::SchemaType* type = api::Schema::BuiltIn().ForKind(r.GroupVersion(), r.kind);
    if (type == nullptr) return Status::Ok();
    api::FieldCheck check = api::CheckFields(object, *type, /*prune=*/true);
    if (!check.type_error.empty()) {  // in every mode: typed decoding fails on it
      return Status::BadRequest(fmt::format("{} in version \"{}\" cannot be handled as a {}: {}",
                                            r.kind, r.version, r.kind, check.type_error));
    }
    unknown = std::move(check.unknown);
  }
  if (unknown.empty()) return Status::Ok();
  if (mode == FieldValidation::kStrict) {
    std::string list;
    for (const std::string& path : unknown) {
      if (!list.empty()) list += ", ";
      list += fmt::format("unknown field \"{}\"", path);
    }
    return Status::BadRequest(
        fmt::format("{} in version \"{}\" cannot be handled as a {}: strict decoding error: {}",
                    r.kind, r.version, r.kind, list));
  }
  if (mode == FieldValidation::kWarn && warnings != nullptr) {
    for (const std::string& path : unknown) {
      warnings->push_back(fmt::format("unknown field \"{}\"", path));
    }
  }
  return Status::Ok();
}

void RoundTripAsTyped(api::Json& object, const api::ResourceInfo& r) {
  if (r.custom) return;
  if (const api::SchemaType* type = api::Schema::BuiltIn().ForKind(r.GroupVersion(), r.kind)) {
    api::RoundTripAsTyped(object, *type);
  }
}

std::string WarningHeaderValue(const std::string& text) {
  std::string escaped;
  for (char c : text) {
    if (c == '"' || c == '\\') escaped += '\\';
    escaped += c;
  }
  return fmt::format("299 - \"{}\"", escaped);
}

}  // namespace sampan::apiserver
