#include "pkg/api/custom_resource.h"

#include <algorithm>
#include <cctype>
#include <optional>

namespace sampan::api {
namespace {

struct KubeVersion {
  int major = 0;
  int stability = 0;  // 3 GA, 2 beta, 1 alpha
  int minor = 0;
};

std::optional<KubeVersion> ParseKubeVersion(std::string_view v) {
  if (v.size() < 2 || v[0] != 'v' || !std::isdigit(static_cast<unsigned char>(v[1]))) {
    return std::nullopt;
  }
  size_t i = 1;
  KubeVersion out;
  while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i]))) {
    out.major = out.major * 10 + (v[i++] - '0');
  }
  if (v[1] == '0') return std::nullopt;  // no leading zeros
  if (i == v.size()) {
    out.stability = 3;
    return out;
  }
  std::string_view rest = v.substr(i);
  if (rest.starts_with("alpha")) {
    out.stability = 1;
    rest.remove_prefix(5);
  } else if (rest.starts_with("beta")) {
    out.stability = 2;
    rest.remove_prefix(4);
  } else {
    return std::nullopt;
  }
  if (rest.empty() || rest[0] == '0') return std::nullopt;
  for (char c : rest) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    out.minor = out.minor * 10 + (c - '0');
  }
  return out;
}

std::vector<std::string> Strings(const Json& object, std::string_view key) {
  std::vector<std::string> out;
  const Json* list = Find(object, key);
  if (list == nullptr || !list->is_array()) return out;
  for (const Json& s : *list) {
    if (s.is_string()) out.push_back(s.get<std::string>());
  }
  return out;
}

}  // namespace

int CompareVersionPriority(std::string_view a, std::string_view b) {
  std::optional<KubeVersion> ka = ParseKubeVersion(a), kb = ParseKubeVersion(b);
  if (ka && !kb) return -1;
  if (!ka && kb) return 1;
  if (!ka && !kb) return a.compare(b);
  if (ka->stability != kb->stability) return kb->stability - ka->stability;
  if (ka->major != kb->major) return kb->major - ka->major;
  return kb->minor - ka->minor;
}

bool HasTrueCondition(const Json& object, std::string_view type) {
  const Json* conditions = FindPath(object, "status.conditions");
  if (conditions == nullptr || !conditions->is_array()) return false;
  for (const Json& c : *conditions) {
    if (GetString(c, "type") == type) return GetString(c, "status") == "True";
  }
  return false;
}

const Json* FindJsonPath(const Json& object, std::string_view path) {
  if (path.starts_with("{") && path.ends_with("}")) path = path.substr(1, path.size() - 2);
  if (!path.starts_with(".")) return nullptr;
  const Json* cur = &object;
  size_t i = 1;
  while (i <= path.size()) {
    if (i == path.size()) return cur;
    size_t end = path.find_first_of(".[", i);
    if (end == std::string_view::npos) end = path.size();
    std::string_view key = path.substr(i, end - i);
    if (!key.empty()) {
      if (!cur->is_object()) return nullptr;
      auto it = cur->find(std::string(key));
      if (it == cur->end()) return nullptr;
      cur = &*it;
    }
    i = end;
    while (i < path.size() && path[i] == '[') {
      size_t close = path.find(']', i);
      if (close == std::string_view::npos) return nullptr;
      std::string_view index = path.substr(i + 1, close - i - 1);
      if (index.empty() || !std::all_of(index.begin(), index.end(), [](char c) {
            return std::isdigit(static_cast<unsigned char>(c));
          })) {
        return nullptr;
      }
      size_t n = std::stoul(std::string(index));
      if (!cur->is_array() || n >= cur->size()) return nullptr;
      cur = &(*cur)[n];
      i = close + 1;
    }
    if (i < path.size()) {
      if (path[i] != '.') return nullptr;
      ++i;
    } else {
      return cur;
    }
  }
  return cur;
}

std::vector<ResourceInfo> ResourcesOfCrd(const Json& crd) {
  std::vector<ResourceInfo> out;
  if (!HasTrueCondition(crd, "Established")) return out;
  const Json& spec = ObjectField(crd, "spec");
  const Json& names = ObjectField(spec, "names");
  std::string storage_version;
  std::vector<const Json*> versions;
  if (const Json* list = Find(spec, "versions"); list && list->is_array()) {
    for (const Json& v : *list) {
      if (GetBool(v, "storage")) storage_version = GetString(v, "name");
      if (GetBool(v, "served")) versions.push_back(&v);
    }
  }
  std::stable_sort(versions.begin(), versions.end(), [](const Json* a, const Json* b) {
    return CompareVersionPriority(GetString(*a, "name"), GetString(*b, "name")) < 0;
  });
  bool terminating = FindPath(crd, "metadata.deletionTimestamp") != nullptr;
  for (const Json* v : versions) {
    auto custom = std::make_shared<CustomResourceInfo>();
    custom->crd_name = GetString(ObjectField(crd, "metadata"), "name");
    custom->storage_version = storage_version;
    custom->terminating = terminating;
    if (const Json* s = FindPath(*v, "schema.openAPIV3Schema"); s && s->is_object()) {
      custom->schema = *s;
    }
    if (const Json* cols = Find(*v, "additionalPrinterColumns"); cols && cols->is_array()) {
      for (const Json& c : *cols) {
        PrinterColumn col;
        col.name = GetString(c, "name");
        col.type = GetString(c, "type", "string");
        col.format = GetString(c, "format");
        col.description = GetString(c, "description");
        col.json_path = GetString(c, "jsonPath");
        col.priority = static_cast<int>(GetInt(c, "priority"));
        custom->columns.push_back(std::move(col));
      }
    }
    if (const Json* fields = Find(*v, "selectableFields"); fields && fields->is_array()) {
      for (const Json& f : *fields) {
        std::string path = GetString(f, "jsonPath");
        if (path.starts_with('.')) custom->selectable_fields.push_back(path.substr(1));
      }
    }
    ResourceInfo r;
    r.group = GetString(spec, "group");
    r.version = GetString(*v, "name");
    r.resource = GetString(names, "plural");
    r.kind = GetString(names, "kind");
    r.singular = GetString(names, "singular");
    if (r.singular.empty()) {
      r.singular = r.kind;
      for (auto& c : r.singular) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    r.list_kind = GetString(names, "listKind");
    r.namespaced = GetString(spec, "scope") != "Cluster";
    r.short_names = Strings(names, "shortNames");
    r.categories = Strings(names, "categories");
    const Json& subresources = ObjectField(*v, "subresources");
    if (subresources.contains("status")) r.subresources.push_back("status");
    if (const Json* scale = Find(subresources, "scale"); scale && scale->is_object()) {
      r.subresources.push_back("scale");
      custom->spec_replicas_path = GetString(*scale, "specReplicasPath");
      custom->status_replicas_path = GetString(*scale, "statusReplicasPath");
      custom->label_selector_path = GetString(*scale, "labelSelectorPath");
    }
    r.custom = std::move(custom);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace sampan::api
