#include "pkg/api/field_selector.h"

#include <algorithm>

namespace sampan::api {
namespace {

// Byte length of the rune at s[i], as Go's range loop decodes it (1 for ASCII and for bytes
// that do not start a valid UTF-8 sequence).
size_t RuneLen(std::string_view s, size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  size_t len = c >= 0xf0 && c <= 0xf4   ? 4
               : c >= 0xe0 && c <= 0xef ? 3
               : c >= 0xc2 && c <= 0xdf ? 2
                                        : 1;
  if (i + len > s.size()) return 1;
  for (size_t k = 1; k < len; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return 1;
  }
  return len;
}

// Splits on unescaped commas; escaped ones stay in the term with their backslash.
std::vector<std::string_view> SplitTerms(std::string_view s) {
  std::vector<std::string_view> terms;
  if (s.empty()) return terms;
  size_t start = 0;
  bool in_slash = false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (in_slash) {
      in_slash = false;
      i += RuneLen(s, i) - 1;  // an escaped rune, whole
    } else if (s[i] == '\\') {
      in_slash = true;
    } else if (s[i] == ',') {
      terms.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  terms.push_back(s.substr(start));
  return terms;
}

struct SplitResult {
  std::string_view lhs, op, rhs;
};

// The first operator occurrence splits the term; "!=" and "==" are tried before "=".
std::optional<SplitResult> SplitTerm(std::string_view term) {
  static constexpr std::string_view kOps[] = {"!=", "==", "="};
  for (size_t i = 0; i < term.size(); ++i) {
    std::string_view rest = term.substr(i);
    for (std::string_view op : kOps) {
      if (rest.substr(0, op.size()) == op) {
        return SplitResult{term.substr(0, i), op, rest.substr(op.size())};
      }
    }
  }
  return std::nullopt;
}

}  // namespace

std::string EscapeFieldValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\' || c == ',' || c == '=') out += '\\';
    out += c;
  }
  return out;
}

Result<std::string> UnescapeFieldValue(std::string_view value) {
  if (value.find_first_of("\\,=") == std::string_view::npos) return std::string(value);
  std::string out;
  out.reserve(value.size());
  bool in_slash = false;
  for (size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (in_slash) {
      if (c != '\\' && c != ',' && c != '=') {
        size_t len = RuneLen(value, i);
        return Status::BadRequest("invalid field selector: invalid escape sequence: \\" +
                                  std::string(value.substr(i, len)));
      }
      out += c;
      in_slash = false;
      continue;
    }
    if (c == '\\') {
      in_slash = true;
    } else if (c == ',' || c == '=') {
      // Upstream formats the rune with %v: its code point in decimal.
      return Status::BadRequest("invalid field selector: unescaped character in value: " +
                                std::to_string(static_cast<int>(c)));
    } else {
      out += c;
    }
  }
  if (in_slash) return Status::BadRequest("invalid field selector: invalid escape sequence: \\");
  return out;
}

std::string FieldRequirement::ToString() const {
  return field + (not_equals ? "!=" : "=") + EscapeFieldValue(value);
}

FieldSelector FieldSelector::OneTermEqual(std::string field, std::string value) {
  FieldSelector s;
  s.requirements_.push_back({std::move(field), false, std::move(value)});
  return s;
}

Result<FieldSelector> FieldSelector::Parse(std::string_view selector) {
  std::vector<std::string_view> parts = SplitTerms(selector);
  std::sort(parts.begin(), parts.end());  // deterministic order, as upstream
  FieldSelector s;
  for (std::string_view part : parts) {
    if (part.empty()) continue;
    auto split = SplitTerm(part);
    if (!split) {
      return Status::BadRequest("invalid selector: '" + std::string(selector) +
                                "'; can't understand '" + std::string(part) + "'");
    }
    ASSIGN_OR_RETURN(std::string value, UnescapeFieldValue(split->rhs));
    s.requirements_.push_back({std::string(split->lhs), split->op == "!=", std::move(value)});
  }
  return s;
}

bool FieldSelector::Matches(const Getter& get) const {
  for (const auto& r : requirements_) {
    std::optional<std::string> v = get(r.field);
    bool equal = (v ? *v : std::string()) == r.value;
    if (equal == r.not_equals) return false;
  }
  return true;
}

std::string FieldSelector::ToString() const {
  std::string out;
  for (size_t i = 0; i < requirements_.size(); ++i) {
    if (i > 0) out += ',';
    out += requirements_[i].ToString();
  }
  return out;
}

std::vector<std::string> FieldSelector::Fields() const {
  std::vector<std::string> fields;
  for (const auto& r : requirements_) {
    if (std::find(fields.begin(), fields.end(), r.field) == fields.end()) fields.push_back(r.field);
  }
  return fields;
}

std::optional<std::string> FieldSelector::FirstUnsupported(
    const std::vector<std::string_view>& supported) const {
  for (const auto& r : requirements_) {
    if (std::find(supported.begin(), supported.end(), r.field) == supported.end()) return r.field;
  }
  return std::nullopt;
}

Result<FieldSelector> FieldSelector::Transform(const TransformFn& fn) const {
  FieldSelector out;
  for (const auto& r : requirements_) {
    ASSIGN_OR_RETURN(auto fv, fn(r.field, r.value));
    if (fv.first.empty() && fv.second.empty()) continue;
    out.requirements_.push_back({std::move(fv.first), r.not_equals, std::move(fv.second)});
  }
  return out;
}

std::optional<std::string> FieldSelector::RequiresExactMatch(std::string_view field) const {
  for (const auto& r : requirements_) {
    if (!r.not_equals && r.field == field) return r.value;
  }
  return std::nullopt;
}

}  // namespace sampan::api
