#include "pkg/apiserver/strategy.h"

#include <map>

#include "pkg/apiserver/strategy_kinds.h"

namespace sampan::apiserver {
namespace {

std::string Render(const api::Json& value) {
  if (value.is_string()) return "\"" + value.get<std::string>() + "\"";
  return api::Dump(value);
}

}  // namespace

Cause Required(const std::string& field, const std::string& detail) {
  return {"FieldValueRequired", detail.empty() ? "Required value" : "Required value: " + detail,
          field};
}

Cause InvalidValue(const std::string& field, const api::Json& value, const std::string& detail) {
  return {"FieldValueInvalid", "Invalid value: " + Render(value) + ": " + detail, field};
}

Cause NotSupported(const std::string& field, const api::Json& value,
                   const std::vector<std::string>& supported) {
  std::string list;
  for (size_t i = 0; i < supported.size(); ++i) {
    if (i) list += ", ";
    list += "\"" + supported[i] + "\"";
  }
  return {"FieldValueNotSupported",
          "Unsupported value: " + Render(value) + ": supported values: " + list, field};
}

Cause Duplicate(const std::string& field, const api::Json& value) {
  return {"FieldValueDuplicate", "Duplicate value: " + Render(value), field};
}

Cause ForbiddenField(const std::string& field, const std::string& detail) {
  return {"FieldValueForbidden", "Forbidden: " + detail, field};
}

void Strategy::PrepareForUpdate(api::Json& obj, const api::Json& old,
                                const api::ResourceInfo& r) const {
  if (r.HasSubresource("status")) {
    if (old.contains("status")) {
      obj["status"] = old["status"];
    } else {
      obj.erase("status");
    }
  }
}

const Strategy& StrategyFor(const api::ResourceInfo& r) {
  static const Strategy kDefault;
  static const std::map<std::string, const Strategy*> kByStorage = BuiltinStrategies();
  auto it = kByStorage.find(r.type_key);
  return it == kByStorage.end() ? kDefault : *it->second;
}

}  // namespace sampan::apiserver
