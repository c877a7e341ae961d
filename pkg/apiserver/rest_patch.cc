// PATCH: merge, JSON and strategic merge patches on a resource or its status/scale
// subresource; the result goes through the same path as an update. Apply patches go to
// rest_apply.cc.
#include <fmt/core.h>

#include "pkg/api/patch.h"
#include "pkg/api/schema.h"
#include "pkg/api/strategic_patch.h"
#include "pkg/apiserver/field_validation.h"
#include "pkg/apiserver/rest_handler.h"
#include "pkg/apiserver/strategy_custom.h"

namespace sampan::apiserver {
namespace {

ApiError UnsupportedPatch(std::string message) {
  ApiError e;
  e.code = 415;
  e.reason = "UnsupportedMediaType";
  e.message = std::move(message);
  return e;
}

}  // namespace

using api::Json;

Reply RestHandler::Patch(const RequestContext& ctx) {
  const api::ResourceInfo& r = *ctx.resource;
  const std::string& sub = ctx.info.subresource;
  if (!sub.empty() && sub != "status" && sub != "scale") {
    return Reply::Error(NotFound(r, ctx.info.name));
  }
  std::string content_type(ctx.http->headers.Get("Content-Type"));
  content_type = content_type.substr(0, content_type.find(';'));
  enum class Kind { kMerge, kJson, kStrategic, kApply } kind;
  if (content_type == "application/merge-patch+json") {
    kind = Kind::kMerge;
  } else if (content_type == "application/json-patch+json") {
    kind = Kind::kJson;
  } else if (content_type == "application/strategic-merge-patch+json") {
    kind = Kind::kStrategic;
  } else if (content_type == "application/apply-patch+yaml" ||
             content_type == "application/apply-patch+cbor") {
    kind = Kind::kApply;
  } else {
    return Reply::Error(UnsupportedPatch(
        "the body of the request was in an unknown format - accepted media types include: "
        "application/json-patch+json, application/merge-patch+json, "
        "application/apply-patch+yaml, application/strategic-merge-patch+json"));
  }
  if (kind == Kind::kApply) return Apply(ctx);
  if (ctx.query.Has("force")) {
    ApiError e = OptionsInvalid(
        "PatchOptions",
        {"FieldValueForbidden", "Forbidden: may not be specified for non-apply patch", "force"});
    return Reply::Error(e);
  }
  // Strategic patches need the type's patch metadata: kinds without a schema (custom
  // resources) refuse them, as upstream does.
  const api::SchemaType* type = nullptr;
  if (kind == Kind::kStrategic) {
    type = sub == "scale" ? api::Schema::BuiltIn().ForKind("autoscaling/v1", "Scale")
                          : api::Schema::BuiltIn().ForKind(r.GroupVersion(), r.kind);
    if (type == nullptr && r.type_key == "apiextensions.k8s.io/customresourcedefinitions") {
      // No field table for CRDs here; none of their lists has a merge key, so a strategic
      // patch of them merges as a JSON merge patch does.
      kind = Kind::kMerge;
    } else if (type == nullptr) {
      return Reply::Error(UnsupportedPatch(
          "the body of the request was in an unknown format - accepted media types include: "
          "application/json-patch+json, application/merge-patch+json, "
          "application/apply-patch+yaml"));
    }
  }
  // Applies the patch to `target` according to its content type.
  auto apply = [&](Json target, const Json& patch) -> Result<Json> {
    if (kind == Kind::kJson) return api::JsonPatch(target, patch);
    if (kind == Kind::kStrategic) return api::StrategicMergePatch(std::move(target), patch, *type);
    return api::MergePatch(target, patch);
  };
  Result<Json> patch = api::ParseJson(ctx.http->body);
  if (!patch.ok()) return Reply::Error(FromStatus(patch.status()));
  if (kind != Kind::kJson && !patch->is_object()) {
    return Reply::Error(BadRequest("the patch must be a JSON object"));
  }
  Result<FieldValidation> validation = ParseFieldValidation(ctx.query);
  if (!validation.ok()) return Reply::Error(FromStatus(validation.status()));
  std::vector<std::string> warnings;
  bool dry_run = false;
  if (auto e = ParseDryRun(ctx.query, "PatchOptions", &dry_run)) {
    return Reply::Error(*e);
  }
  Reply reply = UpdateInternal(
      ctx,
      [&](const Json& current) -> Result<Json> {
        warnings.clear();  // a retry after a lost race starts over
        if (sub == "scale") {
          Json base = current;
          // A patch of the Scale object: only spec.replicas matters.
          int64_t replicas = r.custom
                                 ? CustomSpecReplicas(r, current)
                                 : api::GetInt(current.value("spec", Json::object()), "replicas");
          Json scale = {{"spec", {{"replicas", replicas}}}};
          Result<Json> patched = apply(scale, *patch);
          if (!patched.ok()) return patched.status();
          const Json* next = api::FindPath(*patched, "spec.replicas");
          if (r.custom) {
            SetCustomSpecReplicas(r, base, next ? *next : Json(0));
          } else {
            base["spec"]["replicas"] = next ? *next : Json(0);
          }
          return base;
        }
        Result<Json> patched = apply(current, *patch);
        if (!patched.ok()) return patched.status();
        RETURN_IF_ERROR(ValidateFields(*patched, r, *validation, &warnings));
        RoundTripAsTyped(*patched, r);
        // A patch may pin a resourceVersion (optimistic concurrency, as upstream).
        const Json* patch_meta = kind == Kind::kJson ? nullptr : api::Find(*patch, "metadata");
        std::string pinned = patch_meta && patch_meta->is_object()
                                 ? api::GetString(*patch_meta, "resourceVersion")
                                 : std::string();
        if (!pinned.empty() && pinned != api::GetString(current["metadata"], "resourceVersion")) {
          return Status::Conflict(kObjectModified);
        }
        if (sub == "status") {
          Json next = current;
          if (patched->contains("status")) next["status"] = (*patched)["status"];
          return next;
        }
        return patched;
      },
      dry_run);
  for (const std::string& w : warnings) reply.headers.Add("Warning", WarningHeaderValue(w));
  return reply;
}

}  // namespace sampan::apiserver
