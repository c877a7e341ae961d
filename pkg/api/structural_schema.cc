#include "pkg/api/structural_schema.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <regex>

namespace sampan::api {
namespace {

bool Flag(const Json& schema, const char* key) {
  const Json* v = Find(schema, key);
  return v != nullptr && v->is_boolean() && v->get<bool>();
}

std::string Child(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

std::string Index(const std::string& path, size_t i) { return fmt::format("{}[{}]", path, i); }

// The JSON type name of a value, as upstream's validator names it.
std::string TypeName(const Json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return "boolean";
  if (v.is_number_integer() || v.is_number_unsigned()) return "integer";
  if (v.is_number()) return "number";
  if (v.is_string()) return "string";
  if (v.is_array()) return "array";
  return "object";
}

// How a value appears after "Invalid value: ".
std::string Render(const Json& v) {
  if (v.is_string()) return "\"" + v.get<std::string>() + "\"";
  return Dump(v);
}

std::string Quoted(const std::string& s) { return "\"" + s + "\""; }

// Numbers print as upstream prints them (no trailing ".0" for integral floats).
std::string Number(const Json& v) {
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (std::floor(d) == d && std::fabs(d) < 1e15)
      return fmt::format("{}", static_cast<int64_t>(d));
    return fmt::format("{}", d);
  }
  return Dump(v);
}

bool IsRootLike(const Json& schema, bool root) {
  return root || Flag(schema, "x-kubernetes-embedded-resource");
}

bool IsMetaField(const std::string& key) {
  return key == "apiVersion" || key == "kind" || key == "metadata";
}

class Validator {
 public:
  std::vector<SchemaViolation> out;

  void Invalid(const std::string& path, const std::string& shown, const std::string& detail) {
    out.push_back({path, "FieldValueInvalid", "Invalid value: " + shown + ": " + detail});
  }

  bool CheckType(const Json& value, const Json& schema, const std::string& path) {
    if (value.is_null()) {
      if (Flag(schema, "nullable")) return false;  // null is fine and has nothing to check
      std::string type = GetString(schema, "type");
      if (type.empty()) return false;
      Invalid(path, "\"null\"", fmt::format("{} in body must be of type {}: \"null\"", path, type));
      return false;
    }
    if (Flag(schema, "x-kubernetes-int-or-string")) {
      if (value.is_string() || value.is_number_integer() || value.is_number_unsigned()) return true;
      Invalid(path, Quoted(TypeName(value)),
              fmt::format("{} in body must be of type integer,string: {}", path,
                          Quoted(TypeName(value))));
      return false;
    }
    std::string type = GetString(schema, "type");
    if (type.empty()) return true;
    std::string actual = TypeName(value);
    bool ok = actual == type || (type == "number" && actual == "integer") ||
              (type == "integer" && value.is_number_float() &&
               std::floor(value.get<double>()) == value.get<double>());
    if (!ok) {
      Invalid(path, Quoted(actual),
              fmt::format("{} in body must be of type {}: {}", path, type, Quoted(actual)));
    }
    return ok;
  }

  void Walk(const Json& value, const Json& schema, const std::string& path, bool root) {
    if (!schema.is_object()) return;
    if (!root && !CheckType(value, schema, path)) return;
    if (value.is_null()) return;
    if (const Json* e = Find(schema, "enum"); e && e->is_array() && !e->empty()) {
      bool found = false;
      for (const Json& allowed : *e) found = found || allowed == value;
      if (!found) {
        std::string list;
        for (const Json& allowed : *e) list += (list.empty() ? "" : ", ") + Render(allowed);
        out.push_back({path, "FieldValueNotSupported",
                       "Unsupported value: " + Render(value) + ": supported values: " + list});
      }
    }
    if (value.is_number()) CheckNumber(value, schema, path);
    if (value.is_string()) CheckString(value.get<std::string>(), schema, path);
    if (value.is_array()) CheckArray(value, schema, path);
    if (value.is_object()) CheckObject(value, schema, path, IsRootLike(schema, root));
  }

  void CheckNumber(const Json& value, const Json& schema, const std::string& path) {
    double d = value.get<double>();
    if (const Json* min = Find(schema, "minimum"); min && min->is_number()) {
      bool exclusive = Flag(schema, "exclusiveMinimum");
      if (exclusive ? d <= min->get<double>() : d < min->get<double>()) {
        Invalid(path, Number(value),
                fmt::format("{} in body should be greater than {}{}", path,
                            exclusive ? "" : "or equal to ", Number(*min)));
      }
    }
    if (const Json* max = Find(schema, "maximum"); max && max->is_number()) {
      bool exclusive = Flag(schema, "exclusiveMaximum");
      if (exclusive ? d >= max->get<double>() : d > max->get<double>()) {
        Invalid(path, Number(value),
                fmt::format("{} in body should be less than {}{}", path,
                            exclusive ? "" : "or equal to ", Number(*max)));
      }
    }
    std::string format = GetString(schema, "format");
    if (format == "int32" && value.is_number_integer()) {
      int64_t v = value.get<int64_t>();
      if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) {
        Invalid(path, Number(value),
                fmt::format("{} in body must be of type int32: {}", path, Quoted(Number(value))));
      }
    }
  }

  void CheckString(const std::string& s, const Json& schema, const std::string& path) {
    if (const Json* min = Find(schema, "minLength"); min && min->is_number_integer()) {
      if (static_cast<int64_t>(Utf8Length(s)) < min->get<int64_t>()) {
        Invalid(path, Quoted(s),
                fmt::format("{} in body should be at least {} chars long", path, Dump(*min)));
      }
    }
    if (const Json* max = Find(schema, "maxLength"); max && max->is_number_integer()) {
      if (static_cast<int64_t>(Utf8Length(s)) > max->get<int64_t>()) {
        out.push_back({path, "FieldValueTooLong",
                       fmt::format("Too long: may not be more than {} bytes", Dump(*max))});
      }
    }
    if (const Json* pattern = Find(schema, "pattern"); pattern && pattern->is_string()) {
      try {
        std::regex re(pattern->get<std::string>(), std::regex::ECMAScript);
        if (!std::regex_search(s, re)) {
          Invalid(path, Quoted(s),
                  fmt::format("{} in body should match '{}'", path, pattern->get<std::string>()));
        }
      } catch (const std::regex_error&) {
        // An unusable pattern: upstream rejects it when the CRD is written.
      }
    }
  }

  void CheckArray(const Json& value, const Json& schema, const std::string& path) {
    if (const Json* min = Find(schema, "minItems"); min && min->is_number_integer()) {
      if (static_cast<int64_t>(value.size()) < min->get<int64_t>()) {
        Invalid(path, Dump(value.size()),
                fmt::format("{} in body should have at least {} items", path, Dump(*min)));
      }
    }
    if (const Json* max = Find(schema, "maxItems"); max && max->is_number_integer()) {
      if (static_cast<int64_t>(value.size()) > max->get<int64_t>()) {
        out.push_back(
            {path, "FieldValueTooMany",
             fmt::format("Too many: {}: must have at most {} items", value.size(), Dump(*max))});
      }
    }
    if (const Json* items = Find(schema, "items"); items && items->is_object()) {
      for (size_t i = 0; i < value.size(); ++i) Walk(value[i], *items, Index(path, i), false);
    }
  }

  void CheckObject(const Json& value, const Json& schema, const std::string& path, bool root_like) {
    const Json* props = Find(schema, "properties");
    if (const Json* required = Find(schema, "required"); required && required->is_array()) {
      for (const Json& name : *required) {
        if (!name.is_string()) continue;
        std::string key = name.get<std::string>();
        auto it = value.find(key);
        if (it == value.end() || (it->is_null() && !(props && props->contains(key) &&
                                                     Flag((*props)[key], "nullable")))) {
          out.push_back({Child(path, key), "FieldValueRequired", "Required value"});
        }
      }
    }
    const Json* additional = Find(schema, "additionalProperties");
    for (auto it = value.begin(); it != value.end(); ++it) {
      if (root_like && IsMetaField(it.key())) continue;
      if (props && props->is_object() && props->contains(it.key())) {
        Walk(it.value(), (*props)[it.key()], Child(path, it.key()), false);
      } else if (additional && additional->is_object()) {
        Walk(it.value(), *additional, Child(path, it.key()), false);
      }
    }
  }

  static size_t Utf8Length(const std::string& s) {
    size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;
    return n;
  }
};

void Default(Json& value, const Json& schema, bool root) {
  if (!schema.is_object()) return;
  if (value.is_object()) {
    bool root_like = IsRootLike(schema, root);
    if (const Json* props = Find(schema, "properties"); props && props->is_object()) {
      for (auto it = props->begin(); it != props->end(); ++it) {
        if (root_like && IsMetaField(it.key())) continue;
        const Json* def = Find(it.value(), "default");
        auto field = value.find(it.key());
        bool unset = field == value.end() || (field->is_null() && !Flag(it.value(), "nullable"));
        if (def != nullptr && unset) value[it.key()] = *def;
        if (value.contains(it.key())) Default(value[it.key()], it.value(), false);
      }
    }
    if (const Json* additional = Find(schema, "additionalProperties");
        additional && additional->is_object()) {
      for (auto it = value.begin(); it != value.end(); ++it) {
        if (root_like && IsMetaField(it.key())) continue;
        Default(it.value(), *additional, false);
      }
    }
  } else if (value.is_array()) {
    if (const Json* items = Find(schema, "items"); items && items->is_object()) {
      for (Json& item : value) {
        if (const Json* def = Find(*items, "default"); def && item.is_null()) item = *def;
        Default(item, *items, false);
      }
    }
  }
}

void Prune(Json& value, const Json& schema, const std::string& path, bool root,
           std::vector<std::string>& pruned) {
  if (!schema.is_object()) return;
  if (value.is_array()) {
    if (const Json* items = Find(schema, "items"); items && items->is_object()) {
      for (size_t i = 0; i < value.size(); ++i) {
        Prune(value[i], *items, Index(path, i), false, pruned);
      }
    }
    return;
  }
  if (!value.is_object()) return;
  bool root_like = IsRootLike(schema, root);
  bool preserve = Flag(schema, "x-kubernetes-preserve-unknown-fields");
  const Json* props = Find(schema, "properties");
  const Json* additional = Find(schema, "additionalProperties");
  bool additional_any = additional && additional->is_boolean() && additional->get<bool>();
  std::vector<std::string> drop;
  for (auto it = value.begin(); it != value.end(); ++it) {
    if (root_like && IsMetaField(it.key())) continue;
    if (props && props->is_object() && props->contains(it.key())) {
      Prune(it.value(), (*props)[it.key()], Child(path, it.key()), false, pruned);
    } else if (additional && additional->is_object()) {
      Prune(it.value(), *additional, Child(path, it.key()), false, pruned);
    } else if (!preserve && !additional_any) {
      drop.push_back(it.key());
    }
  }
  for (const std::string& key : drop) {
    pruned.push_back(Child(path, key));
    value.erase(key);
  }
}

}  // namespace

std::vector<SchemaViolation> ValidateAgainstSchema(const Json& object, const Json& schema) {
  Validator v;
  v.Walk(object, schema, "", true);
  return std::move(v.out);
}

void ApplySchemaDefaults(Json& object, const Json& schema) { Default(object, schema, true); }

std::vector<std::string> PruneUnknownFields(Json& object, const Json& schema) {
  std::vector<std::string> pruned;
  Prune(object, schema, "", true, pruned);
  return pruned;
}

}  // namespace sampan::api
