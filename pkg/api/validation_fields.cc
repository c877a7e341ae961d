// FieldPath, FieldError and FieldErrors of validation.h (upstream util/validation/field and
// apierrors.NewInvalid), plus the object-level validators built on them.

#include <cctype>
#include "pkg/api/json.h"
#include <set>

#include "pkg/api/validation.h"

namespace sampan::api {
namespace {

std::string_view TypeString(FieldErrorType type) {
  switch (type) {
    case FieldErrorType::kNotFound: return "Not found";
    case FieldErrorType::kRequired: return "Required value";
    case FieldErrorType::kDuplicate: return "Duplicate value";
    case FieldErrorType::kInvalid: return "Invalid value";
    case FieldErrorType::kNotSupported: return "Unsupported value";
    case FieldErrorType::kForbidden: return "Forbidden";
    case FieldErrorType::kTooLong: return "Too long";
    case FieldErrorType::kTooMany: return "Too many";
    case FieldErrorType::kInternal: return "Internal error";
    case FieldErrorType::kTypeInvalid: return "Invalid value";
  }
  return "Internal error";
}

FieldError Make(FieldErrorType type, const FieldPath& path, std::string rendered,
                std::string_view detail) {
  FieldError e;
  e.type = type;
  e.field = path.String();
  e.bad_value = std::move(rendered);
  e.detail = std::string(detail);
  return e;
}

}  // namespace

// --- FieldPath ---------------------------------------------------------------------------------

FieldPath FieldPath::Child(std::string_view name) const {
  FieldPath p;
  p.nil_ = false;
  p.path_ = nil_ ? std::string(name) : path_ + "." + std::string(name);
  return p;
}

FieldPath FieldPath::Index(int64_t index) const { return Key(std::to_string(index)); }

FieldPath FieldPath::Key(std::string_view key) const {
  FieldPath p;
  p.nil_ = false;
  p.path_ = (nil_ ? std::string() : path_) + "[" + std::string(key) + "]";
  return p;
}

// --- bad values --------------------------------------------------------------------------------

std::string RenderBadValue(std::string_view value) { return GoQuote(value); }
std::string RenderBadValue(const char* value) { return GoQuote(value); }
std::string RenderBadValue(int64_t value) { return std::to_string(value); }
std::string RenderBadValue(bool value) { return value ? "true" : "false"; }

std::string RenderBadValue(const std::vector<std::string>& values, bool is_nil) {
  if (is_nil && values.empty()) return "[]string(nil)";
  std::string out = "[]string{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ", ";
    out += GoQuote(values[i]);
  }
  return out + "}";
}

// --- FieldError --------------------------------------------------------------------------------

std::string_view FieldError::Reason() const {
  switch (type) {
    case FieldErrorType::kNotFound: return "FieldValueNotFound";
    case FieldErrorType::kRequired: return "FieldValueRequired";
    case FieldErrorType::kDuplicate: return "FieldValueDuplicate";
    case FieldErrorType::kInvalid: return "FieldValueInvalid";
    case FieldErrorType::kNotSupported: return "FieldValueNotSupported";
    case FieldErrorType::kForbidden: return "FieldValueForbidden";
    case FieldErrorType::kTooLong: return "FieldValueTooLong";
    case FieldErrorType::kTooMany: return "FieldValueTooMany";
    case FieldErrorType::kInternal: return "InternalError";
    case FieldErrorType::kTypeInvalid: return "FieldValueTypeInvalid";
  }
  return "InternalError";
}

std::string FieldError::ErrorBody() const {
  std::string s(TypeString(type));
  switch (type) {
    case FieldErrorType::kRequired:
    case FieldErrorType::kForbidden:
    case FieldErrorType::kTooLong:
    case FieldErrorType::kInternal: break;  // these never print the value
    default:
      if (!omit_value) s += ": " + bad_value;
  }
  if (!detail.empty()) s += ": " + detail;
  return s;
}

std::string FieldError::ToString() const { return field + ": " + ErrorBody(); }

// --- FieldErrors -------------------------------------------------------------------------------

void FieldErrors::Append(const FieldErrors& other) {
  errors_.insert(errors_.end(), other.errors_.begin(), other.errors_.end());
}

void FieldErrors::NotFound(const FieldPath& path, std::string_view value) {
  Add(Make(FieldErrorType::kNotFound, path, GoQuote(value), ""));
}

void FieldErrors::Required(const FieldPath& path, std::string_view detail) {
  Add(Make(FieldErrorType::kRequired, path, "\"\"", detail));
}

void FieldErrors::Duplicate(const FieldPath& path, std::string_view value) {
  Add(Make(FieldErrorType::kDuplicate, path, GoQuote(value), ""));
}

void FieldErrors::Invalid(const FieldPath& path, std::string_view value, std::string_view detail) {
  Add(Make(FieldErrorType::kInvalid, path, GoQuote(value), detail));
}

void FieldErrors::Invalid(const FieldPath& path, const char* value, std::string_view detail) {
  Invalid(path, std::string_view(value), detail);
}

void FieldErrors::Invalid(const FieldPath& path, int64_t value, std::string_view detail) {
  Add(Make(FieldErrorType::kInvalid, path, RenderBadValue(value), detail));
}

void FieldErrors::Invalid(const FieldPath& path, bool value, std::string_view detail) {
  Add(Make(FieldErrorType::kInvalid, path, RenderBadValue(value), detail));
}

void FieldErrors::InvalidRendered(const FieldPath& path, std::string rendered,
                                  std::string_view detail) {
  Add(Make(FieldErrorType::kInvalid, path, std::move(rendered), detail));
}

void FieldErrors::NotSupported(const FieldPath& path, std::string_view value,
                               const std::vector<std::string>& supported) {
  std::string detail;
  if (!supported.empty()) {
    detail = "supported values: ";
    for (size_t i = 0; i < supported.size(); ++i) {
      if (i > 0) detail += ", ";
      detail += GoQuote(supported[i]);
    }
  }
  Add(Make(FieldErrorType::kNotSupported, path, GoQuote(value), detail));
}

void FieldErrors::Forbidden(const FieldPath& path, std::string_view detail) {
  Add(Make(FieldErrorType::kForbidden, path, "\"\"", detail));
}

void FieldErrors::TooLong(const FieldPath& path, int64_t max_length) {
  std::string detail = max_length >= 0
                           ? "may not be more than " + std::to_string(max_length) + " bytes"
                           : "value is too long";
  Add(Make(FieldErrorType::kTooLong, path, "\"<value omitted>\"", detail));
}

void FieldErrors::TooMany(const FieldPath& path, int64_t actual, int64_t max) {
  std::string detail =
      max >= 0 ? "must have at most " + std::to_string(max) + " items" : "has too many items";
  FieldError e = Make(FieldErrorType::kTooMany, path, std::to_string(actual), detail);
  e.omit_value = actual < 0;
  Add(std::move(e));
}

void FieldErrors::Internal(const FieldPath& path, std::string_view detail) {
  Add(Make(FieldErrorType::kInternal, path, "", detail));
}

void FieldErrors::InvalidEach(const FieldPath& path, std::string_view value,
                              const std::vector<std::string>& messages) {
  for (const auto& m : messages) Invalid(path, value, m);
}

std::string FieldErrors::ToString() const {
  // ErrorList.ToAggregate + aggregate.Error(): identical messages are reported once.
  std::set<std::string> seen;
  std::vector<std::string> unique;
  for (const auto& e : errors_) {
    std::string msg = e.ToString();
    if (seen.insert(msg).second) unique.push_back(std::move(msg));
  }
  if (unique.size() == 1) return unique[0];
  std::string out = "[";
  for (size_t i = 0; i < unique.size(); ++i) {
    if (i > 0) out += ", ";
    out += unique[i];
  }
  return out + "]";
}

std::string FieldErrors::InvalidMessage(std::string_view qualified_kind,
                                        std::string_view name) const {
  std::string msg = std::string(qualified_kind) + " " + GoQuote(name) + " is invalid";
  if (!errors_.empty()) msg += ": " + ToString();
  return msg;
}

Status FieldErrors::ToStatus(std::string_view qualified_kind, std::string_view name) const {
  return Status::Invalid(InvalidMessage(qualified_kind, name));
}

Json FieldErrors::CausesJson() const {
  auto causes = Json::array();
  for (const auto& e : errors_) {
    causes.push_back({{"reason", e.Reason()}, {"message", e.ErrorBody()}, {"field", e.field}});
  }
  return causes;
}

// --- object-level validators -------------------------------------------------------------------

void ValidateLabels(const Json& labels, const FieldPath& path,
                    FieldErrors* errors) {
  if (!labels.is_object()) return;
  for (const auto& [key, value] : labels.items()) {
    errors->InvalidEach(path, key, IsQualifiedName(key));
    if (value.is_string()) {
      const auto& v = value.get_ref<const std::string&>();
      errors->InvalidEach(path, v, IsValidLabelValue(v));
    }
  }
}

void ValidateAnnotations(const Json& annotations, const FieldPath& path,
                         FieldErrors* errors) {
  if (!annotations.is_object()) return;
  int64_t total = 0;
  for (const auto& [key, value] : annotations.items()) {
    // Keys are qualified names except that case does not matter.
    std::string lower = key;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    errors->InvalidEach(path, key, IsQualifiedName(lower));
    total += static_cast<int64_t>(key.size());
    if (value.is_string())
      total += static_cast<int64_t>(value.get_ref<const std::string&>().size());
  }
  if (total > kTotalAnnotationSizeLimitBytes) errors->TooLong(path, kTotalAnnotationSizeLimitBytes);
}

void ValidateLabelSelector(const Json& selector, const FieldPath& path,
                           FieldErrors* errors) {
  if (!selector.is_object()) return;
  if (auto it = selector.find("matchLabels"); it != selector.end()) {
    ValidateLabels(*it, path.Child("matchLabels"), errors);
  }
  auto exprs = selector.find("matchExpressions");
  if (exprs == selector.end() || !exprs->is_array()) return;
  for (size_t i = 0; i < exprs->size(); ++i) {
    const auto& expr = (*exprs)[i];
    FieldPath p = path.Child("matchExpressions").Index(static_cast<int64_t>(i));
    auto get_string = [&](const char* key) {
      auto it = expr.find(key);
      return it != expr.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    std::string op = get_string("operator");
    std::string key = get_string("key");
    std::vector<std::string> values;
    if (auto it = expr.find("values"); it != expr.end() && it->is_array()) {
      for (const auto& v : *it) values.push_back(v.is_string() ? v.get<std::string>() : "");
    }
    if (op == "In" || op == "NotIn") {
      if (values.empty()) {
        errors->Required(p.Child("values"), "must be specified when `operator` is 'In' or 'NotIn'");
      }
    } else if (op == "Exists" || op == "DoesNotExist") {
      if (!values.empty()) {
        errors->Forbidden(p.Child("values"),
                          "may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
      }
    } else {
      errors->Invalid(p.Child("operator"), op, "not a valid selector operator");
    }
    errors->InvalidEach(p.Child("key"), key, IsQualifiedName(key));
    for (size_t j = 0; j < values.size(); ++j) {
      errors->InvalidEach(p.Child("values").Index(static_cast<int64_t>(j)), values[j],
                          IsValidLabelValue(values[j]));
    }
  }
}

}  // namespace sampan::api
