#include "pkg/apiserver/openapi_v3.h"

#include <fmt/format.h>

#include "pkg/api/custom_resource.h"
#include "pkg/api/json.h"
#include "pkg/api/schema_docs.h"
#include "pkg/apiserver/openapi_schemas.h"
#include "pkg/util/pki.h"

namespace sampan::apiserver {
namespace {

using api::Json;
using api::SchemaType;

bool HasCustomResources(const api::Registry& registry, const std::string& group,
                        const std::string& version) {
  for (const api::ResourceInfo* r : registry.InGroupVersion(group, version)) {
    if (r->custom) return true;
  }
  return false;
}

Json QueryParameter(std::string_view name, std::string_view type = "string") {
  return {{"name", name}, {"in", "query"}, {"schema", {{"type", type}}}};
}

Json PathParameter(std::string_view name) {
  return {{"name", name}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}};
}

Json JsonBody(const Json& schema) {
  return {{"content", {{"application/json", {{"schema", schema}}}}}};
}

// One operation of a path; `action` is the x-kubernetes-action. Patches of custom
// resources (`strategic` false) do not offer strategic merge: kubectl then sends them
// merge patches, as upstream.
Json Operation(std::string_view action, const Json& gvk, const Json& response_schema,
               std::string_view operation_id, bool strategic = true) {
  Json op = {{"operationId", operation_id},
             {"responses", {{"200", {{"description", "OK"}}}}},
             {"x-kubernetes-action", action},
             {"x-kubernetes-group-version-kind", gvk}};
  op["responses"]["200"].update(JsonBody(response_schema));
  Json params = Json::array();
  if (action == "post" || action == "put" || action == "patch") {
    params.push_back(QueryParameter("dryRun"));
    params.push_back(QueryParameter("fieldManager"));
    params.push_back(QueryParameter("fieldValidation"));
  }
  if (action == "patch") params.push_back(QueryParameter("force", "boolean"));
  if (action == "list" || action == "watchlist") {
    for (const char* p : {"labelSelector", "fieldSelector", "continue", "resourceVersion",
                          "resourceVersionMatch"}) {
      params.push_back(QueryParameter(p));
    }
    params.push_back(QueryParameter("limit", "integer"));
    params.push_back(QueryParameter("watch", "boolean"));
  }
  if (action == "delete" || action == "deletecollection") {
    params.push_back(QueryParameter("dryRun"));
    params.push_back(QueryParameter("gracePeriodSeconds", "integer"));
    params.push_back(QueryParameter("propagationPolicy"));
  }
  op["parameters"] = std::move(params);
  if (action == "post" || action == "put") op["requestBody"] = JsonBody(response_schema);
  if (action == "patch") {
    Json content = Json::object();
    for (const char* type :
         {"application/json-patch+json", "application/merge-patch+json",
          "application/strategic-merge-patch+json", "application/apply-patch+yaml"}) {
      if (!strategic && std::string_view(type) == "application/strategic-merge-patch+json") {
        continue;
      }
      content[type] = {{"schema", {{"type", "object"}}}};
    }
    op["requestBody"] = {{"content", std::move(content)}};
  }
  return op;
}

}  // namespace

OpenApiV3::OpenApiV3(const api::ServedRegistry& served, const api::Schema& schema)
    : served_(served), schema_(schema) {}

std::string OpenApiV3::Hash(std::string_view group_version_path) const {
  // Built-in documents depend only on the build (the schema and description texts): a
  // stable hash per build, which changes with any edit of either text (clients cache the
  // documents by URL as immutable).
  static const std::string kBuild =
      Sha256Hex(fmt::format("{}\n{}", api::BuiltInSchemaText(), api::BuiltInDescriptionText()));
  return Sha256Hex(fmt::format("{}\n{}", group_version_path, kBuild)).substr(0, 32);
}

std::string OpenApiV3::Index() const {
  Json paths = Json::object();
  std::shared_ptr<const api::Registry> registry = served_.Snapshot();
  for (const api::GroupInfo& g : registry->groups()) {
    for (const std::string& v : g.versions) {
      std::string path = g.name.empty() ? "api/" + v : fmt::format("apis/{}/{}", g.name, v);
      std::string hash = HasCustomResources(*registry, g.name, v)
                             ? Sha256Hex(Build(*registry, g.name, v)).substr(0, 32)
                             : Hash(path);
      paths[path] = {{"serverRelativeURL", fmt::format("/openapi/v3/{}?hash={}", path, hash)}};
    }
  }
  return api::Dump(Json{{"paths", std::move(paths)}});
}

std::optional<std::string> OpenApiV3::Document(std::string_view group_version_path) {
  std::string group;
  std::string version;
  if (group_version_path.starts_with("api/")) {
    version = std::string(group_version_path.substr(4));
  } else if (group_version_path.starts_with("apis/")) {
    std::string_view rest = group_version_path.substr(5);
    size_t slash = rest.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    group = std::string(rest.substr(0, slash));
    version = std::string(rest.substr(slash + 1));
  } else {
    return std::nullopt;
  }
  std::shared_ptr<const api::Registry> registry = served_.Snapshot();
  if (version.empty() || version.find('/') != std::string::npos ||
      !registry->HasGroupVersion(group, version)) {
    return std::nullopt;
  }
  if (HasCustomResources(*registry, group, version)) return Build(*registry, group, version);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = documents_.find(group_version_path);
  if (it == documents_.end()) {
    it =
        documents_.emplace(std::string(group_version_path), Build(*registry, group, version)).first;
  }
  return it->second;
}

std::string OpenApiV3::Build(const api::Registry& registry, const std::string& group,
                             const std::string& version) const {
  OpenApiSchemas schemas(OpenApiDialect::kV3, api::SchemaDocs::BuiltIn());
  Json paths = Json::object();
  std::string gv = group.empty() ? version : group + "/" + version;
  std::string prefix =
      group.empty() ? "/api/" + version : fmt::format("/apis/{}/{}", group, version);
  const SchemaType* status = schema_.ForKind("meta.k8s.io/v1", "Status");
  const SchemaType* scale = schema_.ForKind("autoscaling/v1", "Scale");
  auto ref = [&](const SchemaType& t) { return schemas.Ref(OpenApiSchemaName(t)); };
  for (const api::ResourceInfo& r : registry.resources()) {
    if (r.group != group || r.version != version || !Described(r)) continue;
    Json gvk = {{"group", group}, {"kind", r.kind}, {"version", version}};
    Json object_ref;
    if (r.custom) {
      schemas.AddCustom(r, gvk, *schema_.Find("meta/v1", "ObjectMeta"));
      object_ref = schemas.Ref(OpenApiCustomSchemaName(r));
    } else {
      const SchemaType* type = schema_.ForKind(gv, r.kind);
      if (type == nullptr) continue;
      schemas.Add(*type);
      schemas.SetGroupVersionKind(*type, gvk);
      object_ref = ref(*type);
    }
    Json list_schema = {{"type", "object"},
                        {"properties", {{"items", {{"type", "array"}, {"items", object_ref}}}}}};
    std::string base = r.namespaced
                           ? fmt::format("{}/namespaces/{{namespace}}/{}", prefix, r.resource)
                           : fmt::format("{}/{}", prefix, r.resource);
    Json ns_params = Json::array();
    if (r.namespaced) ns_params.push_back(PathParameter("namespace"));
    Json item_params = ns_params;
    item_params.push_back(PathParameter("name"));

    std::string id = r.kind + (r.namespaced ? "Namespaced" : "");
    Json collection = {{"parameters", ns_params}};
    collection["get"] = Operation("list", gvk, list_schema, "list" + id);
    Json item = {{"parameters", item_params}};
    item["get"] = Operation("get", gvk, object_ref, "read" + id);
    if (r.Stored()) {  // else read-only: get and list
      collection["post"] = Operation("post", gvk, object_ref, "create" + id);
      collection["delete"] =
          Operation("deletecollection", gvk, ref(*status), "deletecollection" + id);
      item["put"] = Operation("put", gvk, object_ref, "replace" + id);
      item["patch"] = Operation("patch", gvk, object_ref, "patch" + id, !r.custom);
      item["delete"] = Operation("delete", gvk, object_ref, "delete" + id);
    }
    paths[base] = std::move(collection);
    paths[base + "/{name}"] = std::move(item);

    for (const std::string& sub : r.subresources) {
      if (sub != "status" && sub != "scale") continue;
      bool is_scale = sub == "scale";
      Json sub_gvk =
          is_scale ? Json{{"group", "autoscaling"}, {"kind", "Scale"}, {"version", "v1"}} : gvk;
      Json sub_ref = is_scale ? ref(*scale) : object_ref;
      if (is_scale) schemas.Add(*scale);
      std::string sub_id = id + (is_scale ? "Scale" : "Status");
      Json path = {{"parameters", item_params}};
      path["get"] = Operation("get", sub_gvk, sub_ref, "read" + sub_id);
      path["put"] = Operation("put", sub_gvk, sub_ref, "replace" + sub_id);
      path["patch"] = Operation("patch", sub_gvk, sub_ref, "patch" + sub_id, !r.custom);
      paths[fmt::format("{}/{{name}}/{}", base, sub)] = std::move(path);
    }
  }
  schemas.Add(*status);
  Json doc = {{"openapi", "3.0.0"},
              {"info", {{"title", "Kubernetes"}, {"version", "v1.33.0"}}},
              {"paths", std::move(paths)},
              {"components", {{"schemas", schemas.Take()}}}};
  return api::Dump(doc);
}

}  // namespace sampan::apiserver
