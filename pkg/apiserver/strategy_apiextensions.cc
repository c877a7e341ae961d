// Rules for apiextensions.k8s.io/v1 CustomResourceDefinitions, as upstream: the name is
// plural.group, names and scope are checked, exactly one version is stored, every version
// has a structural schema. The server establishes a CRD as it is written (status
// conditions NamesAccepted and Established, acceptedNames, storedVersions), so it is
// served as soon as the write returns.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "pkg/api/custom_resource.h"
#include "pkg/api/validation.h"
#include "pkg/apiserver/strategy_kinds.h"
#include "pkg/util/time_format.h"

namespace sampan::apiserver {
namespace {

using api::Json;

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Join(const std::vector<std::string>& errs) {
  std::string out;
  for (const auto& e : errs) out += (out.empty() ? "" : ",") + e;
  return out;
}

void CheckLabel(const Json& names, const char* key, const std::string& path, bool lower_first,
                std::vector<Cause>& causes) {
  std::string value = api::GetString(names, key);
  if (value.empty()) return;
  std::vector<std::string> errs = api::IsDNS1035Label(lower_first ? Lower(value) : value);
  if (errs.empty()) return;
  causes.push_back(InvalidValue(
      path + "." + key, value,
      lower_first ? "may have mixed case, but should otherwise match: " + Join(errs) : Join(errs)));
}

void ValidateNames(const Json& names, const std::string& path, std::vector<Cause>& causes) {
  CheckLabel(names, "plural", path, false, causes);
  CheckLabel(names, "singular", path, false, causes);
  CheckLabel(names, "kind", path, true, causes);
  CheckLabel(names, "listKind", path, true, causes);
  std::string kind = api::GetString(names, "kind");
  if (!kind.empty() && kind == api::GetString(names, "listKind")) {
    causes.push_back(
        InvalidValue(path + ".listKind", kind, "kind and listKind may not be the same"));
  }
  for (const char* list : {"shortNames", "categories"}) {
    std::vector<std::string> values = api::GetStrings(names, list);
    for (size_t i = 0; i < values.size(); ++i) {
      std::vector<std::string> errs = api::IsDNS1035Label(values[i]);
      if (!errs.empty()) {
        causes.push_back(
            InvalidValue(fmt::format("{}.{}[{}]", path, list, i), values[i], Join(errs)));
      }
    }
  }
}

// The structural-schema rules that matter for serving: a type everywhere it is needed.
void ValidateSchemaNode(const Json& schema, const std::string& path, bool root,
                        std::vector<Cause>& causes) {
  if (!schema.is_object()) return;
  std::string type = api::GetString(schema, "type");
  bool open = api::GetBool(schema, "x-kubernetes-int-or-string") ||
              api::GetBool(schema, "x-kubernetes-preserve-unknown-fields");
  if (root) {
    if (type.empty()) {
      causes.push_back(Required(path + ".type", "must not be empty at the root"));
    } else if (type != "object") {
      causes.push_back(InvalidValue(path + ".type", type, "must be object at the root"));
    }
  } else if (type.empty() && !open) {
    causes.push_back(Required(path + ".type", "must not be empty for specified object fields"));
  }
  static const std::set<std::string> kTypes = {"object",  "array",  "string",
                                               "integer", "number", "boolean"};
  if (!type.empty() && !kTypes.count(type)) {
    causes.push_back(NotSupported(path + ".type", type,
                                  {"array", "boolean", "integer", "number", "object", "string"}));
  }
  if (const Json* props = api::Find(schema, "properties"); props && props->is_object()) {
    if (const Json* add = api::Find(schema, "additionalProperties");
        add && !(add->is_boolean() && add->get<bool>())) {
      causes.push_back(ForbiddenField(path + ".additionalProperties",
                                      "additionalProperties and properties are mutual exclusive"));
    }
    for (auto it = props->begin(); it != props->end(); ++it) {
      ValidateSchemaNode(it.value(), path + ".properties[" + it.key() + "]", false, causes);
    }
  }
  if (const Json* items = api::Find(schema, "items"); items && items->is_object()) {
    ValidateSchemaNode(*items, path + ".items", false, causes);
  } else if (type == "array") {
    causes.push_back(Required(path + ".items", "must be specified"));
  }
  if (const Json* add = api::Find(schema, "additionalProperties"); add && add->is_object()) {
    ValidateSchemaNode(*add, path + ".additionalProperties", false, causes);
  }
}

// The schema of the field a selectable field's jsonPath names (".spec.color"), or why there
// is none. Field names only: no array indexes, as upstream's paths for selectable fields.
const Json* SchemaAtPath(const Json& root, const std::string& json_path, std::string* why) {
  if (!json_path.starts_with('.') || json_path.size() == 1) {
    *why = "is an invalid path: must start with a '.' followed by a field name";
    return nullptr;
  }
  const Json* node = &root;
  size_t at = 1;
  while (at <= json_path.size()) {
    size_t dot = json_path.find('.', at);
    if (dot == std::string::npos) dot = json_path.size();
    std::string name = json_path.substr(at, dot - at);
    const Json* props = api::Find(*node, "properties");
    const Json* next = props && !name.empty() ? api::Find(*props, name) : nullptr;
    if (next == nullptr || name.find_first_of("[]") != std::string::npos) {
      *why = "is an invalid path: does not refer to a valid field";
      return nullptr;
    }
    node = next;
    at = dot + 1;
  }
  return node;
}

// spec.versions[i].selectableFields: at most 8 distinct paths, each to a string, boolean
// or integer field outside metadata (upstream's rules and messages).
void ValidateSelectableFields(const Json& version, const std::string& path,
                              std::vector<Cause>& causes) {
  const Json* fields = api::Find(version, "selectableFields");
  if (fields == nullptr || !fields->is_array() || fields->empty()) return;
  const Json* schema = api::FindPath(version, "schema.openAPIV3Schema");
  if (schema == nullptr || !schema->is_object()) {
    causes.push_back(InvalidValue(
        path + ".selectableFields", "",
        "selectableFields may only be set when version.schema.openAPIV3Schema is not included"));
    return;
  }
  std::set<std::string> unique;
  for (size_t i = 0; i < fields->size(); ++i) {
    std::string fpath = fmt::format("{}.selectableFields[{}].jsonPath", path, i);
    std::string json_path = api::GetString((*fields)[i], "jsonPath");
    if (json_path.empty()) {
      causes.push_back(Required(fpath));
      continue;
    }
    std::string why;
    const Json* field = SchemaAtPath(*schema, json_path, &why);
    if (field == nullptr) {
      causes.push_back(InvalidValue(fpath, json_path, why));
      continue;
    }
    if (json_path.starts_with(".metadata.")) {
      causes.push_back(InvalidValue(fpath, json_path, "must not point to fields in metadata"));
    }
    std::string type = api::GetString(*field, "type");
    if (type != "string" && type != "boolean" && type != "integer") {
      causes.push_back(InvalidValue(fpath, json_path,
                                    "must point to a field of type string, boolean or integer. "
                                    "Enum string fields and strings with formats are allowed."));
    }
    if (!unique.insert(json_path).second) causes.push_back(Duplicate(fpath, json_path));
  }
  constexpr size_t kMaxSelectableFields = 8;
  if (unique.size() > kMaxSelectableFields) {
    causes.push_back({"FieldValueTooMany",
                      fmt::format("Too many: {}: must have at most {} items", unique.size(),
                                  kMaxSelectableFields),
                      path + ".selectableFields"});
  }
}

void ValidateVersions(const Json& spec, std::vector<Cause>& causes) {
  const Json* versions = api::Find(spec, "versions");
  int storage = 0;
  std::set<std::string> seen;
  bool unique = true;
  Json shown = versions && versions->is_array() ? *versions : Json::array();
  if (versions && versions->is_array()) {
    for (size_t i = 0; i < versions->size(); ++i) {
      const Json& v = (*versions)[i];
      std::string path = fmt::format("spec.versions[{}]", i);
      std::string name = api::GetString(v, "name");
      if (api::GetBool(v, "storage")) ++storage;
      if (!seen.insert(name).second) unique = false;
      std::vector<std::string> errs = api::IsDNS1035Label(name);
      if (!errs.empty()) causes.push_back(InvalidValue(path + ".name", name, Join(errs)));
      const Json* schema = api::FindPath(v, "schema.openAPIV3Schema");
      if (schema == nullptr || !schema->is_object()) {
        causes.push_back(Required(path + ".schema.openAPIV3Schema", "schemas are required"));
      } else {
        ValidateSchemaNode(*schema, path + ".schema.openAPIV3Schema", true, causes);
      }
      ValidateSelectableFields(v, path, causes);
      if (const Json* cols = api::Find(v, "additionalPrinterColumns"); cols && cols->is_array()) {
        for (size_t c = 0; c < cols->size(); ++c) {
          const Json& col = (*cols)[c];
          std::string cpath = fmt::format("{}.additionalPrinterColumns[{}]", path, c);
          if (api::GetString(col, "name").empty()) causes.push_back(Required(cpath + ".name"));
          std::string type = api::GetString(col, "type");
          static const std::vector<std::string> kTypes = {"boolean", "date", "integer", "number",
                                                          "string"};
          if (type.empty()) {
            causes.push_back(Required(cpath + ".type"));
          } else if (std::find(kTypes.begin(), kTypes.end(), type) == kTypes.end()) {
            causes.push_back(NotSupported(cpath + ".type", type, kTypes));
          }
          if (api::GetString(col, "jsonPath").empty()) {
            causes.push_back(Required(cpath + ".jsonPath"));
          }
        }
      }
    }
  }
  if (!unique)
    causes.push_back(InvalidValue("spec.versions", shown, "must contain unique version names"));
  if (storage != 1) {
    causes.push_back(InvalidValue("spec.versions", shown,
                                  "must have exactly one version marked as storage version"));
  }
}

std::string StorageVersion(const Json& crd) {
  if (const Json* versions = api::FindPath(crd, "spec.versions");
      versions && versions->is_array()) {
    for (const Json& v : *versions) {
      if (api::GetBool(v, "storage")) return api::GetString(v, "name");
    }
  }
  return "";
}

Json Condition(const std::string& type, const std::string& reason, const std::string& message) {
  return {{"type", type},
          {"status", "True"},
          {"lastTransitionTime", FormatRfc3339(std::chrono::system_clock::now())},
          {"reason", reason},
          {"message", message}};
}

// Accepts the names and establishes the CRD (keeping conditions already true).
void Establish(Json& crd) {
  Json& status = crd["status"];
  if (!status.is_object()) status = Json::object();
  status["acceptedNames"] = api::ObjectField(api::ObjectField(crd, "spec"), "names");
  Json conditions = status.contains("conditions") && status["conditions"].is_array()
                        ? status["conditions"]
                        : Json::array();
  auto ensure = [&](const Json& c) {
    for (const Json& existing : conditions) {
      if (api::GetString(existing, "type") == api::GetString(c, "type") &&
          api::GetString(existing, "status") == "True") {
        return;
      }
    }
    Json next = Json::array();
    for (Json& existing : conditions) {
      if (api::GetString(existing, "type") != api::GetString(c, "type")) next.push_back(existing);
    }
    next.push_back(c);
    conditions = std::move(next);
  };
  ensure(Condition("NamesAccepted", "NoConflicts", "no conflicts found"));
  ensure(Condition("Established", "InitialNamesAccepted", "the initial names have been accepted"));
  status["conditions"] = std::move(conditions);
  Json& stored = status["storedVersions"];
  if (!stored.is_array()) stored = Json::array();
  std::string storage = StorageVersion(crd);
  if (!storage.empty() && std::find(stored.begin(), stored.end(), Json(storage)) == stored.end()) {
    stored.push_back(storage);
  }
}

class CrdStrategy : public Strategy {
 public:
  void Default(Json& obj) const override {
    if (!obj.contains("spec") || !obj["spec"].is_object()) return;
    Json& spec = obj["spec"];
    if (spec.contains("names") && spec["names"].is_object()) {
      Json& names = spec["names"];
      std::string kind = api::GetString(names, "kind");
      if (api::GetString(names, "singular").empty() && !kind.empty())
        names["singular"] = Lower(kind);
      if (api::GetString(names, "listKind").empty() && !kind.empty()) {
        names["listKind"] = kind + "List";
      }
    }
    if (!spec.contains("conversion") || !spec["conversion"].is_object()) {
      spec["conversion"] = {{"strategy", "None"}};
    }
  }

  void Validate(const Json& obj, const Json* old, std::vector<Cause>& causes) const override {
    const Json& spec = api::ObjectField(obj, "spec");
    const Json& names = api::ObjectField(spec, "names");
    std::string group = api::GetString(spec, "group");
    std::string plural = api::GetString(names, "plural");
    std::string name = api::GetString(api::ObjectField(obj, "metadata"), "name");
    if (!name.empty() && name != plural + "." + group) {
      causes.push_back(
          InvalidValue("metadata.name", name, "must be spec.names.plural+\".\"+spec.group"));
    }
    if (group.empty()) {
      causes.push_back(Required("spec.group"));
    } else if (auto errs = api::IsDNS1123Subdomain(group); !errs.empty()) {
      causes.push_back(InvalidValue("spec.group", group, Join(errs)));
    } else if (group.find('.') == std::string::npos) {
      causes.push_back(
          InvalidValue("spec.group", group, "should be a domain with at least one dot"));
    }
    std::string scope = api::GetString(spec, "scope");
    if (scope.empty()) {
      causes.push_back(Required("spec.scope"));
    } else if (scope != "Cluster" && scope != "Namespaced") {
      causes.push_back(NotSupported("spec.scope", scope, {"Cluster", "Namespaced"}));
    }
    ValidateVersions(spec, causes);
    if (plural.empty()) causes.push_back(Required("spec.names.plural"));
    if (api::GetString(names, "singular").empty())
      causes.push_back(Required("spec.names.singular"));
    if (api::GetString(names, "kind").empty()) causes.push_back(Required("spec.names.kind"));
    if (api::GetString(names, "listKind").empty())
      causes.push_back(Required("spec.names.listKind"));
    ValidateNames(names, "spec.names", causes);
    if (old != nullptr) {
      const Json& old_spec = api::ObjectField(*old, "spec");
      auto immutable = [&](const std::string& path, const Json& a, const Json& b) {
        if (a != b) causes.push_back(InvalidValue(path, a, "field is immutable"));
      };
      immutable("spec.group", spec.value("group", Json()), old_spec.value("group", Json()));
      immutable("spec.names.plural", names.value("plural", Json()),
                api::ObjectField(old_spec, "names").value("plural", Json()));
      if (api::HasTrueCondition(*old, "Established")) {
        immutable("spec.scope", spec.value("scope", Json()), old_spec.value("scope", Json()));
        immutable("spec.names.kind", names.value("kind", Json()),
                  api::ObjectField(old_spec, "names").value("kind", Json()));
      }
    }
  }

  void PrepareForCreate(Json& obj) const override {
    obj["status"] = Json::object();
    Establish(obj);
  }

  void PrepareForUpdate(Json& obj, const Json& old, const api::ResourceInfo& r) const override {
    Strategy::PrepareForUpdate(obj, old, r);
    if (!api::FindPath(obj, "metadata.deletionTimestamp")) Establish(obj);
  }
};

}  // namespace

void RegisterApiextensionsStrategies(std::map<std::string, const Strategy*>& out) {
  static const CrdStrategy kCrd;
  out["apiextensions.k8s.io/customresourcedefinitions"] = &kCrd;
}

}  // namespace sampan::apiserver
