// PATCH: merge, JSON and (for now merge-like) strategic patches on a resource or its
// status/scale subresource; the result goes through the same path as an update.
#include <fmt/core.h>

#include "pkg/api/patch.h"
#include "pkg/apiserver/rest_handler.h"

namespace sampan::apiserver {

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
    ApiError e;
    e.code = 415;
    e.reason = "UnsupportedMediaType";
    e.message = fmt::format(
        "the body of the request was in an unknown format - accepted media types include: "
        "application/json-patch+json, application/merge-patch+json, "
        "application/apply-patch+yaml, application/strategic-merge-patch+json");
    return Reply::Error(e);
  }
  if (kind == Kind::kApply) {
    ApiError e;
    e.code = 415;
    e.reason = "UnsupportedMediaType";
    e.message = "server-side apply is not supported yet";
    return Reply::Error(e);
  }
  Result<Json> patch = api::ParseJson(ctx.http->body);
  if (!patch.ok()) return Reply::Error(FromStatus(patch.status()));
  if (kind != Kind::kJson && !patch->is_object()) {
    return Reply::Error(BadRequest("the patch must be a JSON object"));
  }
  bool dry_run = ctx.query.GetOr("dryRun", "") == "All";
  return UpdateInternal(
      ctx,
      [&](const Json& current) -> Result<Json> {
        Json base = current;
        if (sub == "scale") {
          // A patch of the Scale object: only spec.replicas matters.
          Json scale = {{"spec", {{"replicas", api::GetInt(current.value("spec", Json::object()), "replicas")}}}};
          Result<Json> patched = kind == Kind::kJson ? api::JsonPatch(scale, *patch)
                                                     : Result<Json>(api::MergePatch(scale, *patch));
          if (!patched.ok()) return patched.status();
          base["spec"]["replicas"] = api::FindPath(*patched, "spec.replicas")
                                         ? *api::FindPath(*patched, "spec.replicas")
                                         : Json(0);
          return base;
        }
        Result<Json> patched = kind == Kind::kJson ? api::JsonPatch(base, *patch)
                                                   : Result<Json>(api::MergePatch(base, *patch));
        if (!patched.ok()) return patched.status();
        // A patch may pin a resourceVersion (optimistic concurrency, as upstream).
        std::string pinned = api::GetString(api::Find(*patch, "metadata") && (*patch)["metadata"].is_object()
                                                ? (*patch)["metadata"] : Json(),
                                            "resourceVersion");
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
}

}  // namespace sampan::apiserver
