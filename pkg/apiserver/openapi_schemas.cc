#include "pkg/apiserver/openapi_schemas.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "pkg/api/custom_resource.h"

namespace sampan::apiserver {
namespace {

using api::Json;
using api::SchemaField;
using api::SchemaType;
using api::ValueKind;

constexpr std::string_view kMetaPackage = "io.k8s.apimachinery.pkg.apis.meta.v1";

// "core/v1" -> "io.k8s.api.core.v1", "meta/v1" -> "io.k8s.apimachinery.pkg.apis.meta.v1".
std::string PackageName(std::string_view package) {
  if (package == "meta/v1") return std::string(kMetaPackage);
  std::string out = "io.k8s.api.";
  for (char c : package) out.push_back(c == '/' ? '.' : c);
  return out;
}

// Swagger 2.0 has no oneOf/anyOf/not/nullable: drop them from a CRD schema, as upstream's
// v2 conversion does (int-or-string fields lose their type, which v2 cannot express).
void ToSwagger2(Json& schema) {
  if (!schema.is_object()) return;
  for (const char* key : {"oneOf", "anyOf", "not", "nullable"}) schema.erase(key);
  if (schema.value("x-kubernetes-int-or-string", false)) schema.erase("type");
  for (const char* key : {"items", "additionalProperties"}) {
    if (schema.contains(key)) ToSwagger2(schema[key]);
  }
  if (schema.contains("allOf") && schema["allOf"].is_array()) {
    for (Json& s : schema["allOf"]) ToSwagger2(s);
  }
  if (schema.contains("properties") && schema["properties"].is_object()) {
    for (auto& [name, s] : schema["properties"].items()) ToSwagger2(s);
  }
}

}  // namespace

std::string OpenApiSchemaName(const SchemaType& type) {
  return PackageName(type.package) + "." + type.name;
}

std::string OpenApiCustomSchemaName(const api::ResourceInfo& r) {
  std::string out;
  std::string_view g = r.group;
  while (!g.empty()) {
    size_t dot = g.rfind('.');
    std::string_view part = dot == std::string_view::npos ? g : g.substr(dot + 1);
    out += std::string(part) + ".";
    g = dot == std::string_view::npos ? std::string_view() : g.substr(0, dot);
  }
  return out + r.version + "." + r.kind;
}

OpenApiSchemas::OpenApiSchemas(OpenApiDialect dialect, const api::SchemaDocs& docs)
    : dialect_(dialect), docs_(docs) {}

Json OpenApiSchemas::Ref(std::string_view name) const {
  return Json{{"$ref", fmt::format("{}{}",
                                   dialect_ == OpenApiDialect::kV2 ? "#/definitions/"
                                                                   : "#/components/schemas/",
                                   name)}};
}

Json OpenApiSchemas::Described(Json schema, std::string_view description) const {
  if (description.empty()) return schema;
  if (dialect_ == OpenApiDialect::kV3 && schema.contains("$ref")) {
    schema = Json{{"allOf", Json::array({std::move(schema)})}};
  }
  schema["description"] = api::SchemaDocs::Expand(description);
  return schema;
}

void OpenApiSchemas::Add(const SchemaType& type) {
  std::string name = OpenApiSchemaName(type);
  if (!seen_.insert(name).second) return;
  Json schema = Json::object();
  if (std::string_view d = docs_.Type(type); !d.empty()) {
    schema["description"] = api::SchemaDocs::Expand(d);
  }
  schema["type"] = "object";
  Json properties = Json::object();
  if (type.is_kind) {
    for (const char* common : {"apiVersion", "kind"}) {
      properties[common] = Described({{"type", "string"}}, docs_.Field(type, common));
    }
  }
  std::vector<std::string> required;
  AddProperties(type, properties, required);
  schema["properties"] = std::move(properties);
  if (!required.empty()) schema["required"] = std::move(required);
  schemas_[name] = std::move(schema);
}

void OpenApiSchemas::SetGroupVersionKind(const SchemaType& type, const Json& gvk) {
  Json& list = schemas_[OpenApiSchemaName(type)]["x-kubernetes-group-version-kind"];
  if (!list.is_array()) list = Json::array();
  if (std::find(list.begin(), list.end(), gvk) == list.end()) list.push_back(gvk);
}

void OpenApiSchemas::AddCustom(const api::ResourceInfo& r, const Json& gvk,
                               const SchemaType& object_meta) {
  Add(object_meta);
  Json schema = r.custom->schema.is_object() ? r.custom->schema : Json{{"type", "object"}};
  if (dialect_ == OpenApiDialect::kV2) ToSwagger2(schema);
  Json& props = schema["properties"];
  if (!props.is_object()) props = Json::object();
  props["apiVersion"] = Described({{"type", "string"}}, docs_.KindField("apiVersion"));
  props["kind"] = Described({{"type", "string"}}, docs_.KindField("kind"));
  props["metadata"] = Described(Ref(OpenApiSchemaName(object_meta)), docs_.KindField("metadata"));
  schema["x-kubernetes-group-version-kind"] = Json::array({gvk});
  schemas_[OpenApiCustomSchemaName(r)] = std::move(schema);
}

void OpenApiSchemas::AddProperties(const SchemaType& type, Json& properties,
                                   std::vector<std::string>& required) {
  for (const SchemaField& f : type.fields) {
    if (f.inlined()) {  // the struct's fields appear in the parent (as in JSON)
      AddProperties(*f.message, properties, required);
      continue;
    }
    Json element = Element(f);
    Json property;
    if (f.repeated) {
      property = {{"type", "array"}, {"items", std::move(element)}};
    } else if (f.map) {
      property = {{"type", "object"}, {"additionalProperties", std::move(element)}};
    } else {
      property = std::move(element);
    }
    property = Described(std::move(property), docs_.Field(type, f.json_name));
    if (!f.list_type.empty()) property["x-kubernetes-list-type"] = f.list_type;
    if (!f.list_map_keys.empty()) property["x-kubernetes-list-map-keys"] = f.list_map_keys;
    if (!f.map_type.empty()) property["x-kubernetes-map-type"] = f.map_type;
    if (!f.patch_strategy.empty()) property["x-kubernetes-patch-strategy"] = f.patch_strategy;
    if (!f.patch_merge_key.empty()) property["x-kubernetes-patch-merge-key"] = f.patch_merge_key;
    // As upstream's generator: a field Go always serializes (no omitempty) is required.
    // Pointers to scalars without omitempty are mostly optional upstream (+optional, which
    // the schema does not record): leave them out rather than reject good manifests.
    if (!f.omitempty && (!f.pointer || f.kind == ValueKind::kMessage)) {
      required.push_back(f.json_name);
    }
    properties[f.json_name] = std::move(property);
  }
}

Json OpenApiSchemas::Special(std::string_view name, Json schema) {
  if (seen_.insert(std::string(name)).second) schemas_[std::string(name)] = std::move(schema);
  return Ref(name);
}

Json OpenApiSchemas::Element(const SchemaField& f) {
  bool v2 = dialect_ == OpenApiDialect::kV2;
  switch (f.kind) {
    case ValueKind::kString: return {{"type", "string"}};
    case ValueKind::kInt32: return {{"type", "integer"}, {"format", "int32"}};
    case ValueKind::kInt64: return {{"type", "integer"}, {"format", "int64"}};
    case ValueKind::kBool: return {{"type", "boolean"}};
    case ValueKind::kDouble: return {{"type", "number"}, {"format", "double"}};
    case ValueKind::kBytes: return {{"type", "string"}, {"format", "byte"}};
    case ValueKind::kStringList: return {{"type", "array"}, {"items", {{"type", "string"}}}};
    case ValueKind::kRaw: return {{"type", "object"}};
    case ValueKind::kTime:
      return Special(fmt::format("{}.Time", kMetaPackage),
                     {{"type", "string"}, {"format", "date-time"}});
    case ValueKind::kMicroTime:
      return Special(fmt::format("{}.MicroTime", kMetaPackage),
                     {{"type", "string"}, {"format", "date-time"}});
    case ValueKind::kDuration:
      return Special(fmt::format("{}.Duration", kMetaPackage), {{"type", "string"}});
    case ValueKind::kQuantity:
      // A string ("500m") or a number (2): v3 says so; v2 (as upstream) just "string".
      return Special(
          "io.k8s.apimachinery.pkg.api.resource.Quantity",
          v2 ? Json{{"type", "string"}}
             : Json{{"oneOf", Json::array({{{"type", "string"}}, {{"type", "number"}}})}});
    case ValueKind::kIntOrString:
      return Special(
          "io.k8s.apimachinery.pkg.util.intstr.IntOrString",
          v2 ? Json{{"type", "string"}, {"format", "int-or-string"}}
             : Json{{"format", "int-or-string"},
                    {"oneOf", Json::array({{{"type", "integer"}}, {{"type", "string"}}})}});
    case ValueKind::kMessage: Add(*f.message); return Ref(OpenApiSchemaName(*f.message));
  }
  return Json::object();
}

}  // namespace sampan::apiserver
