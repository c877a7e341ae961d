#include "pkg/api/unknown_fields.h"

namespace sampan::api {
namespace {

void Walk(Json& value, const SchemaType& type, const std::string& path, bool prune,
          std::vector<std::string>& out);

// A value of `field`'s element type at `path`.
void WalkElement(Json& value, const SchemaField& field, const std::string& path, bool prune,
                 std::vector<std::string>& out) {
  if (field.kind == ValueKind::kMessage && value.is_object()) {
    Walk(value, *field.message, path, prune, out);
  }
}

void Walk(Json& value, const SchemaType& type, const std::string& path, bool prune,
          std::vector<std::string>& out) {
  std::vector<std::string> unknown;
  for (auto& [key, child] : value.items()) {
    if (type.is_kind && path.empty() && (key == "apiVersion" || key == "kind")) continue;
    std::string child_path = path.empty() ? key : path + "." + key;
    const SchemaField* field = type.FieldByJsonName(key);
    if (field == nullptr) {
      out.push_back(child_path);
      unknown.push_back(key);
      continue;
    }
    if (field->repeated && child.is_array()) {
      for (size_t i = 0; i < child.size(); ++i) {
        WalkElement(child[i], *field, child_path + "[" + std::to_string(i) + "]", prune, out);
      }
    } else if (field->map && child.is_object()) {
      for (auto& [map_key, map_value] : child.items()) {
        WalkElement(map_value, *field, child_path + "." + map_key, prune, out);
      }
    } else {
      WalkElement(child, *field, child_path, prune, out);
    }
  }
  if (prune) {
    for (const std::string& key : unknown) value.erase(key);
  }
}

}  // namespace

std::vector<std::string> FindUnknownFields(Json& object, const SchemaType& type, bool prune) {
  std::vector<std::string> out;
  if (object.is_object()) Walk(object, type, "", prune, out);
  return out;
}

}  // namespace sampan::api
