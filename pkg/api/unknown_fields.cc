#include "pkg/api/unknown_fields.h"

#include <charconv>

namespace sampan::api {
namespace {

// `path` is one buffer for the whole walk: each level appends its part and cuts it off
// again, so a known field costs no allocation (the path is needed only for unknown ones).
void Walk(Json& value, const SchemaType& type, std::string& path, bool prune,
          std::vector<std::string>& out);

// A value of `field`'s element type at `path`.
void WalkElement(Json& value, const SchemaField& field, std::string& path, bool prune,
                 std::vector<std::string>& out) {
  if (field.kind == ValueKind::kMessage && value.is_object()) {
    Walk(value, *field.message, path, prune, out);
  }
}

void AppendIndex(std::string& path, size_t i) {
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, i).ptr;
  path += '[';
  path.append(digits, end);
  path += ']';
}

void Walk(Json& value, const SchemaType& type, std::string& path, bool prune,
          std::vector<std::string>& out) {
  const size_t base = path.size();
  std::vector<std::string> unknown;
  for (auto& [key, child] : value.items()) {
    if (type.is_kind && base == 0 && (key == "apiVersion" || key == "kind")) continue;
    path.resize(base);
    if (base != 0) path += '.';
    path += key;
    const SchemaField* field = type.FieldByJsonName(key);
    if (field == nullptr) {
      out.push_back(path);
      unknown.push_back(key);
      continue;
    }
    const size_t field_end = path.size();
    if (field->repeated && child.is_array()) {
      for (size_t i = 0; i < child.size(); ++i) {
        path.resize(field_end);
        AppendIndex(path, i);
        WalkElement(child[i], *field, path, prune, out);
      }
    } else if (field->map && child.is_object()) {
      for (auto& [map_key, map_value] : child.items()) {
        path.resize(field_end);
        path += '.';
        path += map_key;
        WalkElement(map_value, *field, path, prune, out);
      }
    } else {
      WalkElement(child, *field, path, prune, out);
    }
  }
  path.resize(base);
  if (prune) {
    for (const std::string& key : unknown) value.erase(key);
  }
}

}  // namespace

std::vector<std::string> FindUnknownFields(Json& object, const SchemaType& type, bool prune) {
  std::vector<std::string> out;
  std::string path;
  if (object.is_object()) Walk(object, type, path, prune, out);
  return out;
}

}  // namespace sampan::api
