#include "pkg/apiserver/strategy_custom.h"

#include "pkg/api/structural_schema.h"

namespace sampan::apiserver {

using api::Json;

void CustomResourceStrategy::Default(Json& obj) const {
  if (r_.custom && r_.custom->schema.is_object()) api::ApplySchemaDefaults(obj, r_.custom->schema);
}

void CustomResourceStrategy::Validate(const Json& obj, const Json*,
                                      std::vector<Cause>& causes) const {
  if (!r_.custom || !r_.custom->schema.is_object()) return;
  for (api::SchemaViolation& v : api::ValidateAgainstSchema(obj, r_.custom->schema)) {
    causes.push_back(Cause{std::move(v.reason), std::move(v.message), std::move(v.field)});
  }
}

void CustomResourceStrategy::PrepareForCreate(Json& obj) const {
  if (r_.HasSubresource("status")) obj.erase("status");
}

namespace {

// ".spec.replicas" -> the object's field, created when `create`.
Json* Locate(Json& object, const std::string& path, bool create) {
  if (!path.starts_with(".")) return nullptr;
  Json* cur = &object;
  size_t i = 1;
  while (i <= path.size()) {
    size_t end = path.find('.', i);
    if (end == std::string::npos) end = path.size();
    std::string key = path.substr(i, end - i);
    if (key.empty() || !cur->is_object()) return nullptr;
    if (!cur->contains(key)) {
      if (!create) return nullptr;
      (*cur)[key] = end == path.size() ? Json() : Json::object();
    }
    cur = &(*cur)[key];
    i = end + 1;
  }
  return cur;
}

}  // namespace

int64_t CustomSpecReplicas(const api::ResourceInfo& r, const Json& object) {
  if (!r.custom) return 0;
  const Json* v = api::FindJsonPath(object, r.custom->spec_replicas_path);
  return v && v->is_number_integer() ? v->get<int64_t>() : 0;
}

void SetCustomSpecReplicas(const api::ResourceInfo& r, Json& object, const Json& replicas) {
  if (!r.custom) return;
  if (Json* field = Locate(object, r.custom->spec_replicas_path, true)) *field = replicas;
}

Json CustomScale(const api::ResourceInfo& r, const Json& object) {
  Json meta = Json::object();
  for (const char* f : {"name", "namespace", "uid", "resourceVersion", "creationTimestamp"}) {
    if (object["metadata"].contains(f)) meta[f] = object["metadata"][f];
  }
  int64_t status_replicas = 0;
  std::string selector;
  if (r.custom) {
    const Json* s = api::FindJsonPath(object, r.custom->status_replicas_path);
    if (s && s->is_number_integer()) status_replicas = s->get<int64_t>();
    if (!r.custom->label_selector_path.empty()) {
      const Json* sel = api::FindJsonPath(object, r.custom->label_selector_path);
      if (sel && sel->is_string()) selector = sel->get<std::string>();
    }
  }
  Json scale = {{"kind", "Scale"},
                {"apiVersion", "autoscaling/v1"},
                {"metadata", meta},
                {"spec", {{"replicas", CustomSpecReplicas(r, object)}}},
                {"status", {{"replicas", status_replicas}}}};
  if (!selector.empty()) scale["status"]["selector"] = selector;
  return scale;
}

}  // namespace sampan::apiserver
