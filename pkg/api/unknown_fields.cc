#include "pkg/api/unknown_fields.h"

#include <fmt/format.h>

#include <charconv>
#include <limits>

#include "pkg/util/base64.h"

namespace sampan::api {
namespace {

struct Walker {
  bool prune;
  FieldCheck& out;
  // One buffer for the whole walk: each level appends its part and cuts it off again, so
  // a known field costs no allocation (the path is needed only for unknown ones).
  std::string path;
  std::string go_path;  // the same without list indexes and map keys, for type errors

  void Walk(Json& value, const SchemaType& type);
  void WalkElement(Json& value, const SchemaField& field, const SchemaType& parent, bool element);
  // Keeps the first mismatch only, as Go's decoder reports its first.
  void NoteTypeError(const Json& value, bool literal, const SchemaType& parent,
                     const SchemaField& field, bool element);
  // A []byte value Go's base64 decoder refuses, worded as its error.
  void NoteBadBase64(const std::string& text);
};

// Go's name of a field's type: "string", "int32", "[]v1.Container", "map[string]string".
std::string GoTypeName(const SchemaField& f, bool element) {
  std::string name;
  switch (f.kind) {
    case ValueKind::kString: name = "string"; break;
    case ValueKind::kInt32: name = "int32"; break;
    case ValueKind::kInt64: name = "int64"; break;
    case ValueKind::kBool: name = "bool"; break;
    case ValueKind::kDouble: name = "float64"; break;
    case ValueKind::kBytes: name = "[]uint8"; break;
    case ValueKind::kTime: name = "v1.Time"; break;
    case ValueKind::kMicroTime: name = "v1.MicroTime"; break;
    case ValueKind::kDuration: name = "v1.Duration"; break;
    case ValueKind::kQuantity: name = "resource.Quantity"; break;
    case ValueKind::kIntOrString: name = "intstr.IntOrString"; break;
    case ValueKind::kRaw: name = "runtime.RawExtension"; break;
    case ValueKind::kStringList: name = "v1.ExtraValue"; break;
    case ValueKind::kMessage: {
      const std::string& pkg = f.message->package;  // "core/v1" -> "v1"
      name = pkg.substr(pkg.rfind('/') + 1) + "." + f.message->name;
      break;
    }
  }
  if (element) return name;
  if (f.repeated) return "[]" + name;
  if (f.map) return "map[string]" + name;
  return name;
}

// How Go's decoder names the JSON value it could not store: "string", "number 1.5", ...
std::string JsonKindName(const Json& v, bool literal_number) {
  if (v.is_string()) return "string";
  if (v.is_boolean()) return "bool";
  if (v.is_array()) return "array";
  if (v.is_object()) return "object";
  return literal_number ? "number " + Dump(v) : "number";
}

bool FitsInt(const Json& v, ValueKind kind) {
  int64_t lo = kind == ValueKind::kInt32 ? std::numeric_limits<int32_t>::min()
                                         : std::numeric_limits<int64_t>::min();
  int64_t hi = kind == ValueKind::kInt32 ? std::numeric_limits<int32_t>::max()
                                         : std::numeric_limits<int64_t>::max();
  if (v.is_number_unsigned()) return v.get<uint64_t>() <= static_cast<uint64_t>(hi);
  if (v.is_number_integer()) return v.get<int64_t>() >= lo && v.get<int64_t>() <= hi;
  return false;
}

// Whether `v` (not null) is a valid JSON form of one value of `kind`; for numbers that
// are not, `literal` says Go quotes the number itself ("number 1.5").
bool ScalarFits(const Json& v, ValueKind kind, bool* literal) {
  switch (kind) {
    case ValueKind::kString:
    case ValueKind::kBytes:
    case ValueKind::kTime:
    case ValueKind::kMicroTime:
    case ValueKind::kDuration: return v.is_string();
    case ValueKind::kInt32:
    case ValueKind::kInt64: *literal = v.is_number(); return FitsInt(v, kind);
    case ValueKind::kBool: return v.is_boolean();
    case ValueKind::kDouble: return v.is_number();
    case ValueKind::kQuantity: return v.is_string() || v.is_number();
    case ValueKind::kIntOrString:
      *literal = v.is_number();
      return v.is_string() || FitsInt(v, ValueKind::kInt32);
    case ValueKind::kRaw: return true;
    case ValueKind::kStringList:
      if (!v.is_array()) return false;
      for (const Json& s : v) {
        if (!s.is_string() && !s.is_null()) return false;
      }
      return true;
    case ValueKind::kMessage: return v.is_object();
  }
  return true;
}

void Walker::NoteTypeError(const Json& value, bool literal, const SchemaType& parent,
                           const SchemaField& field, bool element) {
  if (!out.type_error.empty()) return;
  out.type_error =
      fmt::format("json: cannot unmarshal {} into Go struct field {}.{} of type {}",
                  JsonKindName(value, literal), parent.name, go_path, GoTypeName(field, element));
}

void Walker::WalkElement(Json& value, const SchemaField& field, const SchemaType& parent,
                         bool element) {
  if (value.is_null()) return;
  bool literal = false;
  if (!ScalarFits(value, field.kind, &literal)) {
    NoteTypeError(value, literal, parent, field, element);
    return;
  }
  if (field.kind == ValueKind::kMessage) Walk(value, *field.message);
  if (field.kind == ValueKind::kBytes) NoteBadBase64(value.get_ref<const std::string&>());
}

void Walker::NoteBadBase64(const std::string& text) {
  size_t bad_at = 0;
  if (out.type_error.empty() && !GoBase64Decode(text, &bad_at)) {
    out.type_error = fmt::format("illegal base64 data at input byte {}", bad_at);
  }
}

void AppendIndex(std::string& path, size_t i) {
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, i).ptr;
  path += '[';
  path.append(digits, end);
  path += ']';
}

void Walker::Walk(Json& value, const SchemaType& type) {
  const size_t base = path.size(), go_base = go_path.size();
  std::vector<std::string> unknown;
  for (auto& [key, child] : value.items()) {
    if (type.is_kind && base == 0 && (key == "apiVersion" || key == "kind")) continue;
    path.resize(base);
    if (base != 0) path += '.';
    path += key;
    go_path.resize(go_base);
    if (go_base != 0) go_path += '.';
    go_path += key;
    const SchemaField* field = type.FieldByJsonName(key);
    if (field == nullptr) {
      out.unknown.push_back(path);
      unknown.push_back(key);
      continue;
    }
    // Type errors name `type`, the struct being decoded, even for a field it inlines (as Go).
    const size_t field_end = path.size();
    if (child.is_null()) continue;
    if (field->repeated || field->map) {
      bool shape_ok = field->repeated ? child.is_array() : child.is_object();
      if (!shape_ok) {
        NoteTypeError(child, false, type, *field, false);
        continue;
      }
      if (field->repeated) {
        for (size_t i = 0; i < child.size(); ++i) {
          path.resize(field_end);
          AppendIndex(path, i);
          WalkElement(child[i], *field, type, true);
        }
      } else {
        for (auto& [map_key, map_value] : child.items()) {
          path.resize(field_end);
          path += '.';
          path += map_key;
          WalkElement(map_value, *field, type, true);
        }
      }
    } else {
      WalkElement(child, *field, type, false);
    }
  }
  path.resize(base);
  go_path.resize(go_base);
  if (prune) {
    for (const std::string& key : unknown) value.erase(key);
  }
}

}  // namespace

FieldCheck CheckFields(Json& object, const SchemaType& type, bool prune) {
  FieldCheck out;
  Walker walker{prune, out, {}, {}};
  if (object.is_object()) walker.Walk(object, type);
  return out;
}

}  // namespace sampan::api
