#include "pkg/apiserver/openapi_v2.h"

#include <fmt/format.h>
#include <malloc.h>
#include <openssl/sha.h>

#include <cctype>

#include "pkg/api/json.h"
#include "pkg/api/schema_docs.h"
#include "pkg/apiserver/openapi_schemas.h"
#include "pkg/apiserver/openapi_v2_proto.h"

namespace sampan::apiserver {
namespace {

using api::Json;
using api::SchemaType;

constexpr std::string_view kPatchDefinition = "io.k8s.apimachinery.pkg.apis.meta.v1.Patch";

std::string Sha512Etag(std::string_view body) {
  unsigned char digest[SHA512_DIGEST_LENGTH];
  SHA512(reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest);
  std::string out = "\"";
  for (unsigned char c : digest) out += fmt::format("{:02X}", c);
  return out + "\"";
}

// "" + "v1" -> "CoreV1", "rbac.authorization.k8s.io" + "v1" -> "RbacAuthorizationV1", as in
// upstream's operation IDs ("listCoreV1NamespacedPod").
std::string OperationGroupVersion(std::string_view group, std::string_view version) {
  if (group.empty()) group = "core";
  if (group.ends_with(".k8s.io")) group.remove_suffix(7);
  std::string out;
  bool upper = true;
  for (char c : fmt::format("{}.{}", group, version)) {
    if (c == '.' || c == '-') {
      upper = true;
      continue;
    }
    out.push_back(upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c);
    upper = false;
  }
  return out;
}

Json QueryParameter(std::string_view name, std::string_view type = "string") {
  return {{"uniqueItems", true}, {"type", type}, {"name", name}, {"in", "query"}};
}

Json PathParameter(std::string_view name, std::string_view description) {
  return {{"uniqueItems", true}, {"type", "string"}, {"description", description},
          {"name", name},        {"in", "path"},     {"required", true}};
}

Json BodyParameter(Json schema) {
  return {{"name", "body"}, {"in", "body"}, {"required", true}, {"schema", std::move(schema)}};
}

// One operation of a path, as upstream's documents list them; `action` is the
// x-kubernetes-action. Custom resources' patches (`strategic` false) do not accept
// strategic merge patches.
Json Operation(std::string_view action, const Json& gvk, const Json& object, const Json& body,
               std::string_view operation_id, bool strategic = true) {
  Json op = {{"operationId", operation_id},
             {"schemes", {"https"}},
             {"produces",
              {"application/json", "application/yaml", "application/vnd.kubernetes.protobuf"}}};
  if (action == "patch") {
    Json consumes = {"application/json-patch+json", "application/merge-patch+json"};
    if (strategic) consumes.push_back("application/strategic-merge-patch+json");
    consumes.push_back("application/apply-patch+yaml");
    op["consumes"] = std::move(consumes);
  } else {
    op["consumes"] = {"*/*"};
  }
  Json params = Json::array();
  if (!body.is_null()) params.push_back(BodyParameter(body));
  if (action == "post" || action == "put" || action == "patch") {
    params.push_back(QueryParameter("dryRun"));
    params.push_back(QueryParameter("fieldManager"));
    params.push_back(QueryParameter("fieldValidation"));
  }
  if (action == "patch") params.push_back(QueryParameter("force", "boolean"));
  if (action == "list" || action == "deletecollection") {
    for (const char* p : {"labelSelector", "fieldSelector", "continue", "resourceVersion",
                          "resourceVersionMatch"}) {
      params.push_back(QueryParameter(p));
    }
    params.push_back(QueryParameter("limit", "integer"));
  }
  if (action == "list") params.push_back(QueryParameter("watch", "boolean"));
  if (action == "delete" || action == "deletecollection") {
    params.push_back(QueryParameter("dryRun"));
    params.push_back(QueryParameter("gracePeriodSeconds", "integer"));
    params.push_back(QueryParameter("propagationPolicy"));
  }
  op["parameters"] = std::move(params);
  op["responses"] = {{"200", {{"description", "OK"}, {"schema", object}}},
                     {"401", {{"description", "Unauthorized"}}}};
  if (action == "post") op["responses"]["201"] = {{"description", "Created"}, {"schema", object}};
  op["x-kubernetes-action"] = action;
  op["x-kubernetes-group-version-kind"] = gvk;
  return op;
}

}  // namespace

OpenApiV2::Format OpenApiV2::Negotiate(std::string_view accept) {
  if (accept.empty()) return Format::kJson;
  while (!accept.empty()) {
    size_t comma = accept.find(',');
    std::string_view item = accept.substr(0, comma);
    accept.remove_prefix(comma == std::string_view::npos ? accept.size() : comma + 1);
    item = item.substr(0, item.find(';'));
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item == "application/com.github.proto-openapi.spec.v2@v1.0+protobuf" ||
        item == kProtobufContentType) {
      return Format::kProtobuf;
    }
    if (item == "application/json" || item == "application/*" || item == "*/*") {
      return Format::kJson;
    }
  }
  return Format::kNotAcceptable;
}

OpenApiV2::OpenApiV2(const api::ServedRegistry& served, const api::Schema& schema)
    : served_(served), schema_(schema) {}

std::shared_ptr<const OpenApiV2::Body> OpenApiV2::Get(Format format) {
  std::shared_ptr<const api::Registry> registry = served_.Snapshot();
  std::lock_guard<std::mutex> lock(mu_);
  if (built_for_ != registry) {
    json_.reset();
    protobuf_.reset();
    built_for_ = std::move(registry);
  }
  std::shared_ptr<const Body>& cached = format == Format::kProtobuf ? protobuf_ : json_;
  if (cached == nullptr) {
    auto body = std::make_shared<Body>();
    Json doc = Build(*built_for_);
    body->bytes = format == Format::kProtobuf ? EncodeOpenApiV2Protobuf(doc) : api::Dump(doc);
    body->etag = Sha512Etag(body->bytes);
    cached = std::move(body);
    // Building parses and serializes a large document: give the freed heap back to the
    // system so a served document costs only its bytes in the idle server's RSS.
    malloc_trim(0);
  }
  return cached;
}

Json OpenApiV2::Build(const api::Registry& registry) const {
  OpenApiSchemas schemas(OpenApiDialect::kV2, api::SchemaDocs::BuiltIn());
  auto ref = [&](const SchemaType& t) { return schemas.Ref(OpenApiSchemaName(t)); };
  const SchemaType* status = schema_.ForKind("meta.k8s.io/v1", "Status");
  const SchemaType* scale = schema_.ForKind("autoscaling/v1", "Scale");
  const SchemaType* delete_options = schema_.ForKind("meta.k8s.io/v1", "DeleteOptions");
  schemas.Add(*status);
  schemas.Add(*delete_options);
  Json patch_body = schemas.Ref(kPatchDefinition);
  Json paths = Json::object();
  for (const api::ResourceInfo& r : registry.resources()) {
    if (!Described(r)) continue;
    Json gvk = {{"group", r.group}, {"kind", r.kind}, {"version", r.version}};
    Json object_ref;
    if (r.custom) {
      schemas.AddCustom(r, gvk, *schema_.Find("meta/v1", "ObjectMeta"));
      object_ref = schemas.Ref(OpenApiCustomSchemaName(r));
    } else {
      const SchemaType* type = schema_.ForKind(r.GroupVersion(), r.kind);
      if (type == nullptr) continue;
      schemas.Add(*type);
      schemas.SetGroupVersionKind(*type, gvk);
      object_ref = ref(*type);
    }
    std::string prefix =
        r.group.empty() ? "/api/" + r.version : fmt::format("/apis/{}/{}", r.group, r.version);
    std::string base = r.namespaced
                           ? fmt::format("{}/namespaces/{{namespace}}/{}", prefix, r.resource)
                           : fmt::format("{}/{}", prefix, r.resource);
    Json ns_params = Json::array();
    if (r.namespaced) {
      ns_params.push_back(
          PathParameter("namespace", "object name and auth scope, such as for teams and projects"));
    }
    Json item_params = ns_params;
    item_params.push_back(PathParameter("name", fmt::format("name of the {}", r.kind)));
    Json list_schema = {{"type", "object"},
                        {"properties", {{"items", {{"type", "array"}, {"items", object_ref}}}}}};

    std::string id = fmt::format("{}{}{}", OperationGroupVersion(r.group, r.version),
                                 r.namespaced ? "Namespaced" : "", r.kind);
    Json collection = {{"parameters", ns_params}};
    collection["get"] = Operation("list", gvk, list_schema, nullptr, "list" + id);
    Json item = {{"parameters", item_params}};
    item["get"] = Operation("get", gvk, object_ref, nullptr, "read" + id);
    if (r.Stored()) {  // else read-only: get and list
      collection["post"] = Operation("post", gvk, object_ref, object_ref, "create" + id);
      collection["delete"] = Operation("deletecollection", gvk, ref(*status), ref(*delete_options),
                                       "deletecollection" + id);
      item["put"] = Operation("put", gvk, object_ref, object_ref, "replace" + id);
      item["patch"] = Operation("patch", gvk, object_ref, patch_body, "patch" + id, !r.custom);
      item["delete"] = Operation("delete", gvk, ref(*status), ref(*delete_options), "delete" + id);
    }
    paths[base] = std::move(collection);
    paths[base + "/{name}"] = std::move(item);

    for (const std::string& sub : r.subresources) {
      if (sub != "status" && sub != "scale") continue;
      bool is_scale = sub == "scale";
      Json sub_gvk =
          is_scale ? Json{{"group", "autoscaling"}, {"kind", "Scale"}, {"version", "v1"}} : gvk;
      if (is_scale) schemas.Add(*scale);
      Json sub_ref = is_scale ? ref(*scale) : object_ref;
      std::string sub_id = id + (is_scale ? "Scale" : "Status");
      Json path = {{"parameters", item_params}};
      path["get"] = Operation("get", sub_gvk, sub_ref, nullptr, "read" + sub_id);
      path["put"] = Operation("put", sub_gvk, sub_ref, sub_ref, "replace" + sub_id);
      path["patch"] = Operation("patch", sub_gvk, sub_ref, patch_body, "patch" + sub_id, !r.custom);
      paths[fmt::format("{}/{{name}}/{}", base, sub)] = std::move(path);
    }
  }
  Json definitions = schemas.Take();
  definitions[std::string(kPatchDefinition)] = {
      {"description", "The body of a patch request, in the format its content type names."},
      {"type", "object"}};
  Json doc = {{"swagger", "2.0"},
              {"info", {{"title", "Kubernetes"}, {"version", "v1.33.0"}}},
              {"paths", std::move(paths)},
              {"definitions", std::move(definitions)}};
  return doc;
}

}  // namespace sampan::apiserver
