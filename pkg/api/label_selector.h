#pragma once
// Label selectors as upstream k8s.io/apimachinery/pkg/labels (Kubernetes v1.33 messages):
// the string syntax of `?labelSelector=` / `kubectl -l` (`a=b`, `a==b`, `a!=b`, `a in (x,y)`,
// `a notin (x)`, `a`, `!a`, `a>1`, `a<1`; comma = AND) and metav1.LabelSelector objects
// (matchLabels + matchExpressions), for the API server and controllers.
//
// A LabelSelector is an immutable value: cheap to copy, safe to share between threads.
// Requirements are kept sorted by key (stable), so ToString() is deterministic and matches
// upstream's String(). Parse errors are Status BadRequest with upstream's text, e.g.
// `unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt`.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pkg/api/json_fwd.h"
#include "pkg/util/status.h"

namespace sampan::api {

enum class SelectorOperator {
  kIn,            // "in"
  kNotIn,         // "notin"
  kEquals,        // "="
  kDoubleEquals,  // "=="
  kNotEquals,     // "!="
  kExists,        // "exists"
  kDoesNotExist,  // "!"
  kGreaterThan,   // "gt"
  kLessThan,      // "lt"
};

// One `key op values` term (upstream labels.Requirement).
class LabelRequirement {
 public:
  // labels.NewRequirement: validates the key (IsQualifiedName), the number of values for the
  // operator, integer values for gt/lt and every value (IsValidLabelValue). The error is the
  // aggregate of field errors, e.g. `values[0][env]: Invalid value: "a b": a valid label ...`.
  static Result<LabelRequirement> Make(std::string key, SelectorOperator op,
                                       std::vector<std::string> values);

  const std::string& key() const { return key_; }
  SelectorOperator op() const { return op_; }
  const std::vector<std::string>& values() const { return values_; }

  // `value` is the object's label for key(), nullopt if it has none.
  bool Matches(std::optional<std::string_view> value) const;
  // `key in (a,b)`, `!key`, `key!=v`, ... (multiple values sorted, as upstream).
  std::string ToString() const;

 private:
  friend class LabelSelector;
  // `values_nil`: an empty `values` stands for upstream's nil slice in error messages.
  static Result<LabelRequirement> MakeImpl(std::string key, SelectorOperator op,
                                           std::vector<std::string> values, bool values_nil);

  std::string key_;
  SelectorOperator op_ = SelectorOperator::kExists;
  std::vector<std::string> values_;
};

class LabelSelector {
 public:
  LabelSelector() = default;  // Everything: no requirements, matches all objects

  static LabelSelector Everything() { return LabelSelector(); }
  // Matches nothing (what a null metav1.LabelSelector means).
  static LabelSelector Nothing();
  // `k1=v1,k2=v2` without validation (labels.SelectorFromSet).
  static LabelSelector FromSet(const std::map<std::string, std::string>& set);
  // labels.Parse. "" (or only whitespace) = Everything.
  static Result<LabelSelector> Parse(std::string_view selector);
  // metav1.LabelSelectorAsSelector: null -> Nothing, {} -> Everything; operators In, NotIn,
  // Exists, DoesNotExist (`"Foo" is not a valid label selector operator` otherwise).
  static Result<LabelSelector> FromJson(const Json& selector);

  // Adds requirements (kept sorted by key); a no-op on Nothing.
  LabelSelector Add(LabelRequirement requirement) const;

  bool Matches(const std::map<std::string, std::string>& labels) const;
  // `labels` is an object's metadata.labels (a JSON object of strings; null/absent = none).
  bool MatchesJson(const Json& labels) const;
  // Generic form: `lookup(key)` returns the label value or nullopt.
  template <typename Lookup>
  bool MatchesLookup(const Lookup& lookup) const {
    if (nothing_) return false;
    for (const auto& r : requirements_) {
      if (!r.Matches(lookup(std::string_view(r.key())))) return false;
    }
    return true;
  }

  // True if the selector does not restrict anything (Everything).
  bool Empty() const { return !nothing_ && requirements_.empty(); }
  bool MatchesNothing() const { return nothing_; }
  // Comma-joined requirements: "a=b,c in (d,e)". Nothing and Everything render as "".
  std::string ToString() const;
  // If some requirement on `key` is `=`, `==` or `in` with a single value, that value.
  std::optional<std::string> RequiresExactMatch(std::string_view key) const;
  const std::vector<LabelRequirement>& requirements() const { return requirements_; }

 private:
  std::vector<LabelRequirement> requirements_;
  bool nothing_ = false;
};

}  // namespace sampan::api
