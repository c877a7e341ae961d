#include "pkg/api/typed_round_trip.h"

#include "pkg/util/base64.h"

namespace sampan::api {
namespace {

// Whether Go's encoding/json leaves out `value` of `field`: only omitempty fields are, when
// empty or nil (null decodes to nil or to the zero value).
bool Omitted(const SchemaField& field, const Json& value) {
  if (!field.omitempty) return false;
  if (field.repeated) return value.is_null() || (value.is_array() && value.empty());
  if (field.map) return value.is_null() || (value.is_object() && value.empty());
  if (field.pointer) return value.is_null();  // a pointer to a zero value is kept
  switch (field.kind) {
    case ValueKind::kString:
    case ValueKind::kBytes:
      return value.is_null() || (value.is_string() && value.get_ref<const std::string&>().empty());
    case ValueKind::kInt32:
    case ValueKind::kInt64:
    case ValueKind::kDouble: return value.is_null() || (value.is_number() && value == 0);
    case ValueKind::kBool: return value.is_null() || (value.is_boolean() && !value.get<bool>());
    default: return false;  // structs, and the struct types with a JSON form of their own
  }
}

void Walk(Json& object, const SchemaType& type);

// Go decodes base64 leniently and encodes it canonically.
void CanonicalizeBytes(Json& value) {
  size_t bad_at = 0;
  std::optional<std::string> bytes = GoBase64Decode(value.get_ref<const std::string&>(), &bad_at);
  if (!bytes) return;
  std::string canonical = Base64Encode(*bytes);
  if (canonical != value.get_ref<const std::string&>()) value = std::move(canonical);
}

void WalkElement(Json& value, const SchemaField& field) {
  if (field.kind == ValueKind::kMessage && value.is_object()) Walk(value, *field.message);
  if (field.kind == ValueKind::kBytes && value.is_string()) CanonicalizeBytes(value);
}

void Walk(Json& object, const SchemaType& type) {
  for (auto it = object.begin(); it != object.end();) {
    const SchemaField* field = type.FieldByJsonName(it.key());
    if (field == nullptr) {
      ++it;
      continue;
    }
    Json& value = it.value();
    if (field->repeated && value.is_array()) {
      for (Json& item : value) WalkElement(item, *field);
    } else if (field->map && value.is_object()) {
      for (auto& [key, item] : value.items()) WalkElement(item, *field);
    } else {
      WalkElement(value, *field);
    }
    if (Omitted(*field, value)) {
      it = object.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace

void RoundTripAsTyped(Json& object, const SchemaType& type) {
  if (object.is_object()) Walk(object, type);
}

}  // namespace sampan::api
