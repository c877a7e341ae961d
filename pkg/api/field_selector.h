#pragma once
// Field selectors as upstream k8s.io/apimachinery/pkg/fields: `?fieldSelector=` /
// `kubectl --field-selector`, terms `field=value`, `field==value`, `field!=value` joined by
// ',' (AND). In values, `\,` `\=` `\\` escape the special characters; field names are taken
// literally up to the first operator (no trimming).
//
// A FieldSelector is an immutable value, safe to share between threads. The API server checks
// the referenced fields against what the resource supports (upstream answers 400, worded
// per kind) and then matches objects with a getter.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pkg/util/status.h"

namespace sampan::api {

struct FieldRequirement {
  std::string field;
  bool not_equals = false;  // `!=`; `=` and `==` are the same requirement
  std::string value;        // unescaped

  // `field=value` / `field!=value` with the value escaped again.
  std::string ToString() const;
};

class FieldSelector {
 public:
  // Maps a field path such as "metadata.name" to the object's value; nullopt = absent, which
  // matches like "" (upstream's fields.Set.Get).
  using Getter = std::function<std::optional<std::string>(std::string_view field)>;
  // Rewrites (field, value); returning ("", "") drops the term; an error fails the request.
  using TransformFn = std::function<Result<std::pair<std::string, std::string>>(
      const std::string& field, const std::string& value)>;

  FieldSelector() = default;  // Everything

  static FieldSelector Everything() { return FieldSelector(); }
  static FieldSelector OneTermEqual(std::string field, std::string value);
  // fields.ParseSelector. Errors (BadRequest): `invalid selector: 'a'; can't understand 'a'`,
  // `invalid field selector: invalid escape sequence: \x`,
  // `invalid field selector: unescaped character in value: 61` (the code point, as upstream).
  static Result<FieldSelector> Parse(std::string_view selector);

  bool Matches(const Getter& get) const;
  bool Empty() const { return requirements_.empty(); }
  // Terms joined by ',' in parse order (terms are sorted by their text on parse).
  std::string ToString() const;
  // The field names referenced, in order, each once.
  std::vector<std::string> Fields() const;
  // The first field (in term order) not in `supported`, if any.
  std::optional<std::string> FirstUnsupported(const std::vector<std::string_view>& supported) const;
  // Applies `fn` to every term (upstream Selector.Transform), e.g. to map legacy field names.
  Result<FieldSelector> Transform(const TransformFn& fn) const;
  // The value required by an `=` term on `field`, if any.
  std::optional<std::string> RequiresExactMatch(std::string_view field) const;
  const std::vector<FieldRequirement>& requirements() const { return requirements_; }

 private:
  std::vector<FieldRequirement> requirements_;
};

// fields.EscapeValue / UnescapeValue.
std::string EscapeFieldValue(std::string_view value);
Result<std::string> UnescapeFieldValue(std::string_view value);

}  // namespace sampan::api
