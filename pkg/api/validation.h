#pragma once
// Upstream Kubernetes name/value validators and field errors, with messages byte-for-byte as
// Kubernetes v1.33 (k8s.io/apimachinery v0.33: pkg/util/validation, .../validation/field,
// pkg/api/validation, pkg/apis/meta/v1/validation), because kubectl users and tests read them.
//
// The Is* functions return the list of problems (empty = valid). FieldErrors collects
// field.Error values and renders them as upstream does: one cause is
// `metadata.name: Invalid value: "Foo": <detail>`, the 422 message is
// `Pod "Foo" is invalid: [cause1, cause2]` (no brackets for a single cause).
// Everything here is a pure function or a plain value type; nothing throws.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pkg/api/json_fwd.h"
#include "pkg/util/status.h"

namespace sampan::api {

// --- message helpers (validation.MaxLenError etc.) -------------------------------------------

std::string MaxLenError(int length);  // "must be no more than 63 characters"
std::string EmptyError();             // "must be non-empty"
std::string InclusiveRangeError(int64_t lo,
                                int64_t hi);  // "must be between 1 and 65535, inclusive"
// "<msg> (e.g. 'a' or 'b', regex used for validation is '<re>')".
std::string RegexError(std::string_view msg, std::string_view regex,
                       const std::vector<std::string_view>& examples = {});
// Go's strconv.Quote / fmt %q: double-quoted with Go escapes. Valid multi-byte UTF-8 is
// kept verbatim (Go would also escape the few non-printable non-ASCII runes).
std::string GoQuote(std::string_view s);

// --- string validators (k8s.io/apimachinery/pkg/util/validation) ----------------------------

std::vector<std::string> IsQualifiedName(std::string_view value);  // label keys, [prefix/]name
std::vector<std::string> IsValidLabelValue(std::string_view value);
std::vector<std::string> IsDNS1123Label(std::string_view value);
std::vector<std::string> IsDNS1123Subdomain(std::string_view value);
std::vector<std::string> IsDNS1035Label(std::string_view value);
std::vector<std::string> IsWildcardDNS1123Subdomain(std::string_view value);
std::vector<std::string> IsCIdentifier(std::string_view value);
// Strict env var names ([-._a-zA-Z][-._a-zA-Z0-9]*, not "." / ".." / "..*").
std::vector<std::string> IsEnvVarName(std::string_view value);
// What v1.33 pods use (RelaxedEnvironmentVariableValidation, on by default): printable ASCII
// without '='.
std::vector<std::string> IsRelaxedEnvVarName(std::string_view value);
std::vector<std::string> IsConfigMapKey(std::string_view value);
std::vector<std::string> IsValidPortNum(int64_t port);
std::vector<std::string> IsInRange(int64_t value, int64_t min, int64_t max);
std::vector<std::string> IsValidPortName(std::string_view port);
std::vector<std::string> IsValidPercent(std::string_view percent);
std::vector<std::string> IsHTTPHeaderName(std::string_view value);
// path.IsValidPathSegmentName: names that become URL path segments ("." "..", '/', '%').
std::vector<std::string> IsValidPathSegmentName(std::string_view name);

// ValidateNameFunc of pkg/api/validation: `prefix` = the value is a generateName (a trailing
// '-' is tolerated, exactly as upstream's maskTrailingDash).
std::vector<std::string> NameIsDNSSubdomain(std::string_view name, bool prefix);
std::vector<std::string> NameIsDNSLabel(std::string_view name, bool prefix);
std::vector<std::string> NameIsDNS1035Label(std::string_view name, bool prefix);

// --- field paths and errors (k8s.io/apimachinery/pkg/util/validation/field) -------------------

// A path like `spec.containers[0].image`. The default value is upstream's nil *Path, which
// renders as "<nil>"; Child/Index/Key on it start a new path.
class FieldPath {
 public:
  FieldPath() = default;
  explicit FieldPath(std::string_view root) : path_(root), nil_(false) {}

  FieldPath Child(std::string_view name) const;
  FieldPath Index(int64_t index) const;
  FieldPath Key(std::string_view key) const;
  std::string String() const { return nil_ ? "<nil>" : path_; }

 private:
  std::string path_;
  bool nil_ = true;
};

enum class FieldErrorType {
  kNotFound,      // FieldValueNotFound, "Not found"
  kRequired,      // FieldValueRequired, "Required value"
  kDuplicate,     // FieldValueDuplicate, "Duplicate value"
  kInvalid,       // FieldValueInvalid, "Invalid value"
  kNotSupported,  // FieldValueNotSupported, "Unsupported value"
  kForbidden,     // FieldValueForbidden, "Forbidden"
  kTooLong,       // FieldValueTooLong, "Too long"
  kTooMany,       // FieldValueTooMany, "Too many"
  kInternal,      // InternalError, "Internal error"
  kTypeInvalid,   // FieldValueTypeInvalid, "Invalid value"
};

// Bad values are stored rendered the way v1.33 prints them (fmt %q for strings, %v for
// numbers and bools, %#v for anything else, e.g. `[]string{"a", "b"}`).
std::string RenderBadValue(std::string_view value);  // GoQuote
std::string RenderBadValue(int64_t value);
std::string RenderBadValue(bool value);
std::string RenderBadValue(const char* value);  // keeps string literals away from bool
// `[]string{"a", "b"}`, or `[]string(nil)` when `is_nil`.
std::string RenderBadValue(const std::vector<std::string>& values, bool is_nil = false);

struct FieldError {
  FieldErrorType type = FieldErrorType::kInvalid;
  std::string field;        // FieldPath::String()
  std::string bad_value;    // rendered (see RenderBadValue); unused by Required/Forbidden/...
  bool omit_value = false;  // upstream's omitValue: print only the type
  std::string detail;

  // The cause type of Status.details.causes[].reason: "FieldValueInvalid", ...
  std::string_view Reason() const;
  // Status.details.causes[].message: `Invalid value: "Foo": detail`.
  std::string ErrorBody() const;
  // field.Error.Error(): `metadata.name: Invalid value: "Foo": detail`.
  std::string ToString() const;
};

// Upstream's field.ErrorList with its constructors (field.Invalid, field.Required, ...).
class FieldErrors {
 public:
  void Add(FieldError error) { errors_.push_back(std::move(error)); }
  void Append(const FieldErrors& other);

  void NotFound(const FieldPath& path, std::string_view value);
  void Required(const FieldPath& path, std::string_view detail);
  void Duplicate(const FieldPath& path, std::string_view value);
  void Invalid(const FieldPath& path, std::string_view value, std::string_view detail);
  void Invalid(const FieldPath& path, const char* value, std::string_view detail);
  void Invalid(const FieldPath& path, int64_t value, std::string_view detail);
  void Invalid(const FieldPath& path, bool value, std::string_view detail);
  // The bad value is already rendered (RenderBadValue).
  void InvalidRendered(const FieldPath& path, std::string rendered, std::string_view detail);
  // Detail becomes `supported values: "a", "b"` (nothing if `supported` is empty).
  void NotSupported(const FieldPath& path, std::string_view value,
                    const std::vector<std::string>& supported);
  void Forbidden(const FieldPath& path, std::string_view detail);
  // `may not be more than N bytes`; max_length < 0 -> `value is too long`.
  void TooLong(const FieldPath& path, int64_t max_length);
  // `must have at most N items`; actual < 0 omits the value.
  void TooMany(const FieldPath& path, int64_t actual, int64_t max);
  void Internal(const FieldPath& path, std::string_view detail);
  // One Invalid error per message (the usual `for _, msg := range IsX(v)` loop).
  void InvalidEach(const FieldPath& path, std::string_view value,
                   const std::vector<std::string>& messages);

  bool empty() const { return errors_.empty(); }
  size_t size() const { return errors_.size(); }
  const std::vector<FieldError>& errors() const { return errors_; }

  // The aggregate error string: duplicates dropped, one -> "x", several -> "[x, y]".
  std::string ToString() const;
  // apierrors.NewInvalid's message: `Pod "Foo" is invalid: ...`. qualified_kind is
  // schema.GroupKind.String(): "Pod", "Deployment.apps".
  std::string InvalidMessage(std::string_view qualified_kind, std::string_view name) const;
  // Status::Invalid carrying InvalidMessage (the causes come from CausesJson()).
  Status ToStatus(std::string_view qualified_kind, std::string_view name) const;
  // Status.details.causes: [{"reason","message","field"}] for every error (not deduplicated).
  Json CausesJson() const;

 private:
  std::vector<FieldError> errors_;
};

// --- IP addresses (k8s.io/apimachinery/pkg/util/validation/ip.go) ---------------------------

// IsValidIP: strict parsing (no leading zeros in IPv4, no IPv4-mapped IPv6) and canonical
// form (`must be in canonical form ("2001:db8::1")`).
FieldErrors IsValidIP(const FieldPath& path, std::string_view value);
// IsValidIPForLegacyField: fields that predate strict validation (pod IPs, clusterIP, ...).
// strict=false also accepts leading zeros and IPv4-mapped IPv6, as v1.33 does by default.
FieldErrors IsValidIPForLegacyField(const FieldPath& path, std::string_view value, bool strict);

// --- object-level validators (pkg/api/validation, pkg/apis/meta/v1/validation) --------------

inline constexpr int64_t kTotalAnnotationSizeLimitBytes = 256 * 1024;

// metadata.labels: keys by IsQualifiedName, values by IsValidLabelValue. `labels` is a JSON
// object of strings (null or absent = none).
void ValidateLabels(const Json& labels, const FieldPath& path,
                    FieldErrors* errors);
// metadata.annotations: keys (lower-cased) by IsQualifiedName; total size of keys + values
// at most 256 KiB (`Too long: may not be more than 262144 bytes`).
void ValidateAnnotations(const Json& annotations, const FieldPath& path,
                         FieldErrors* errors);
// A metav1.LabelSelector (matchLabels, matchExpressions) with upstream's default options.
void ValidateLabelSelector(const Json& selector, const FieldPath& path,
                           FieldErrors* errors);

}  // namespace sampan::api
