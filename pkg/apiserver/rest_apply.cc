// Server-side apply: PATCH with application/apply-patch+yaml. The applied configuration is
// decoded (YAML or JSON) and validated, then merged into the live object by the field
// manager (managed_fields.h); a missing object is created from it.
#include <fmt/core.h>

#include "pkg/api/object_names.h"
#include "pkg/apiserver/field_validation.h"
#include "pkg/apiserver/managed_fields.h"
#include "pkg/apiserver/object_meta.h"
#include "pkg/apiserver/rest_handler.h"
#include "pkg/util/time_format.h"

namespace sampan::apiserver {

using api::Json;

Reply RestHandler::Apply(const RequestContext& ctx) {
  const api::ResourceInfo& r = *ctx.resource;
  if (!ctx.info.subresource.empty()) {
    return Reply::Error(
        UnsupportedMediaType("server-side apply of a subresource is not supported"));
  }
  ApplyRequest request;
  request.resource = &r;
  request.manager = ctx.query.GetOr("fieldManager", "");
  if (request.manager.empty()) {
    return Reply::Error(OptionsInvalid(
        "PatchOptions",
        {"FieldValueRequired", "Required value: is required for apply patch", "fieldManager"}));
  }
  request.force = ctx.query.Flag("force");
  request.now = FormatRfc3339(clock_.WallNow());
  bool dry_run = false;
  if (auto e = ParseDryRun(ctx.query, "PatchOptions", &dry_run)) {
    return Reply::Error(*e);
  }

  Result<Json> parsed = api::ParseYaml(ctx.http->body);
  if (!parsed.ok()) return Reply::Error(FromStatus(parsed.status()));
  Json config = std::move(*parsed);
  if (!config.is_object()) return Reply::Error(BadRequest("the applied object must be a map"));
  std::string api_version = api::GetString(config, "apiVersion");
  std::string kind = api::GetString(config, "kind");
  if (api_version.empty() || kind.empty()) {
    return Reply::Error(
        BadRequest(fmt::format("Object 'Kind' is missing in '{}'", api::Dump(config))));
  }
  if (api_version != r.GroupVersion() || kind != r.kind) {
    return Reply::Error(BadRequest(
        fmt::format("the API version in the data ({}) does not match the expected API version ({})",
                    api_version, r.GroupVersion())));
  }
  // The configuration is checked strictly unless the client asked otherwise.
  FieldValidation validation = FieldValidation::kStrict;
  if (ctx.query.Has("fieldValidation")) {
    Result<FieldValidation> v = ParseFieldValidation(ctx.query);
    if (!v.ok()) return Reply::Error(FromStatus(v.status()));
    validation = *v;
  }
  std::vector<std::string> warnings;
  if (Status st = ValidateFields(config, r, validation, &warnings); !st.ok()) {
    return Reply::Error(FromStatus(st));
  }
  if (!config.contains("metadata") || !config["metadata"].is_object()) {
    config["metadata"] = Json::object();
  }
  std::string name = api::NameOf(config);
  if (name != ctx.info.name) {
    return Reply::Error(BadRequest(
        fmt::format("the name of the object ({}) does not match the name on the URL ({})", name,
                    ctx.info.name)));
  }
  if (r.namespaced) {
    std::string body_ns = api::NamespaceOf(config);
    if (!body_ns.empty() && body_ns != ctx.info.namespace_) {
      return Reply::Error(BadRequest(
          "the namespace of the provided object does not match the namespace sent on the request"));
    }
  }

  std::optional<ApiError> conflict;
  Reply reply;
  Result<Json> live = GetObject(r, ctx.info.namespace_, ctx.info.name);
  if (!live.ok() && live.status().IsNotFound()) {
    ApiError e;
    Result<Json> created = ApplyConfiguration(nullptr, config, request, &e);
    if (!created.ok()) return Reply::Error(FromStatus(created.status(), &r, name));
    RoundTripAsTyped(*created, r);
    if (r.namespaced) {
      (*created)["metadata"]["namespace"] = ctx.info.namespace_;
    } else {
      (*created)["metadata"].erase("namespace");
    }
    reply = CreateInternal(r, std::move(*created), ctx.info.namespace_, dry_run, "", &ctx);
  } else {
    reply = UpdateInternal(
        ctx,
        [&](const Json& current) -> Result<Json> {
          // A resourceVersion in the configuration is a precondition, as upstream.
          std::string pinned = api::GetString(config["metadata"], "resourceVersion");
          if (!pinned.empty() && pinned != api::GetString(current["metadata"], "resourceVersion")) {
            return Status::Conflict(kObjectModified);
          }
          ApiError e;
          Result<Json> next = ApplyConfiguration(&current, config, request, &e);
          if (!next.ok() && e.code == 409) conflict = e;
          if (next.ok()) RoundTripAsTyped(*next, r);
          return next;
        },
        dry_run, /*mutation_owns_fields=*/true);
    if (conflict) return Reply::Error(*conflict);
  }
  for (const std::string& w : warnings) reply.headers.Add("Warning", WarningHeaderValue(w));
  return reply;
}

}  // namespace sampan::apiserver
