#include "pkg/api/json.h"

#include <fmt/core.h>
#include <yaml-cpp/yaml.h>

#include <vector>

namespace sampan::api {
namespace {

// Converts a YAML node into JSON with YAML 1.1-ish scalar typing as Kubernetes' YAML
// decoder does (true/false, null, integers, floats; everything else is a string).
Json YamlToJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined: return nullptr;
    case YAML::NodeType::Sequence: {
      Json arr = Json::array();
      for (const auto& item : node) arr.push_back(YamlToJson(item));
      return arr;
    }
    case YAML::NodeType::Map: {
      Json obj = Json::object();
      for (const auto& kv : node) obj[kv.first.as<std::string>()] = YamlToJson(kv.second);
      return obj;
    }
    case YAML::NodeType::Scalar: {
      const std::string& s = node.Scalar();
      if (node.Tag() == "!") return s;  // quoted scalar: always a string
      if (s == "true" || s == "True" || s == "TRUE") return true;
      if (s == "false" || s == "False" || s == "FALSE") return false;
      if (s == "null" || s == "~" || s == "Null" || s == "NULL") return nullptr;
      Json parsed = Json::parse(s, nullptr, false);
      if (!parsed.is_discarded() && parsed.is_number()) return parsed;
      return s;
    }
  }
  return nullptr;
}

}  // namespace

Result<Json> ParseYaml(std::string_view text) {
  try {
    YAML::Node node = YAML::Load(std::string(text));
    return YamlToJson(node);
  } catch (const YAML::Exception& e) {
    return Status::BadRequest(fmt::format("invalid YAML in request body: {}", e.what()));
  }
}

const Json* Find(const Json& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

std::string GetString(const Json& object, std::string_view key, std::string_view def) {
  const Json* v = Find(object, key);
  return v && v->is_string() ? v->get<std::string>() : std::string(def);
}

int64_t GetInt(const Json& object, std::string_view key, int64_t def) {
  const Json* v = Find(object, key);
  return v && v->is_number_integer() ? v->get<int64_t>() : def;
}

bool GetBool(const Json& object, std::string_view key, bool def) {
  const Json* v = Find(object, key);
  return v && v->is_boolean() ? v->get<bool>() : def;
}

std::vector<std::string> GetStrings(const Json& object, std::string_view key) {
  std::vector<std::string> out;
  const Json* list = Find(object, key);
  if (list == nullptr || !list->is_array()) return out;
  for (const Json& v : *list) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

const Json& ObjectField(const Json& object, std::string_view key) {
  static const Json kEmpty = Json::object();
  const Json* v = Find(object, key);
  return v != nullptr && v->is_object() ? *v : kEmpty;
}

std::string UidOf(const Json& object) { return GetString(ObjectField(object, "metadata"), "uid"); }

const Json* FindPath(const Json& object, std::string_view dotted_path) {
  const Json* cur = &object;
  while (cur && !dotted_path.empty()) {
    size_t dot = dotted_path.find('.');
    cur = Find(*cur, dotted_path.substr(0, dot));
    dotted_path = dot == std::string_view::npos ? "" : dotted_path.substr(dot + 1);
  }
  return cur;
}

}  // namespace sampan::api
