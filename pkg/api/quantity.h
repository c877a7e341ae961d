#pragma once
// Kubernetes resource.Quantity (k8s.io/apimachinery/pkg/api/resource): "100m", "1.5Gi", "2k",
// "1e3", parsed exactly as upstream, kept as an exact decimal (arbitrary precision, never a
// floating point number) and printed in upstream's canonical form ("0.5" -> "500m",
// "1024Mi" -> "1Gi", "1000m" -> "1"). As upstream, a parsed string that is already in a
// canonical-looking shape is remembered and printed back verbatim ("+1" stays "+1").
//
// Quantity is a plain value type (copyable, no sharing, not thread-safe to mutate).
// Parse errors are Status BadRequest with upstream's texts:
//   quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'
//   unable to parse numeric part of quantity
//   unable to parse quantity's suffix
//
// Deliberate differences from upstream (which behaves inconsistently or overflows there):
// Value()/ScaledValue() always round away from zero and saturate at the int64 limits instead
// of wrapping; numbers with more than 4096 integer digits are rejected when parsed.

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "pkg/api/json_fwd.h"
#include "pkg/util/status.h"

namespace sampan::api {

enum class QuantityFormat {
  kDecimalExponent,  // 12e6
  kBinarySI,         // 12Mi (12 * 2^20)
  kDecimalSI,        // 12M (12 * 10^6)
};

class Quantity {
 public:
  Quantity() = default;  // zero, DecimalSI

  static Result<Quantity> Parse(std::string_view text);
  // A quantity as found in a JSON object: a string (surrounding whitespace ignored), a JSON
  // number (read from its text), or null (zero).
  static Result<Quantity> FromJson(const Json& value);
  // resource.NewQuantity / NewMilliQuantity / NewScaledQuantity (value * 10^scale, DecimalSI).
  static Quantity FromInt64(int64_t value, QuantityFormat format = QuantityFormat::kDecimalSI);
  static Quantity FromMilli(int64_t milli, QuantityFormat format = QuantityFormat::kDecimalSI);
  static Quantity FromScaled(int64_t value, int32_t scale);

  // Canonical form (String()): no fractional digits, the largest suffix of the format that
  // loses nothing; BinarySI values below 1024 or with fractions print as DecimalSI.
  std::string ToString() const;

  QuantityFormat format() const { return format_; }
  void set_format(QuantityFormat format);

  // ceil(q) (away from zero), saturated to int64.
  int64_t Value() const { return ScaledValue(0); }
  // ceil(q * 1000) (away from zero), saturated to int64.
  int64_t MilliValue() const { return ScaledValue(-3); }
  // ceil(q / 10^scale) (away from zero), saturated to int64.
  int64_t ScaledValue(int32_t scale) const;
  // Like ScaledValue, but nullopt where ScaledValue would saturate.
  std::optional<int64_t> TryScaledValue(int32_t scale) const;
  // The value if it is an integer that fits in int64.
  std::optional<int64_t> AsInt64() const;
  double AsApproximateDouble() const;

  bool IsZero() const { return digits_.empty(); }
  int Sign() const { return digits_.empty() ? 0 : negative_ ? -1 : 1; }
  // -1, 0, 1. Formats are ignored: 1Ki == 1024.
  int Cmp(const Quantity& other) const;
  int CmpInt64(int64_t other) const { return Cmp(FromInt64(other)); }
  friend bool operator==(const Quantity& a, const Quantity& b) { return a.Cmp(b) == 0; }
  friend std::weak_ordering operator<=>(const Quantity& a, const Quantity& b) {
    return a.Cmp(b) <=> 0;  // weak: 1Ki and 1024 are equivalent, not identical
  }

  // Exact arithmetic. As upstream, a zero receiver takes the format of `other`.
  void Add(const Quantity& other);
  void Sub(const Quantity& other);
  void Mul(int64_t factor);
  void Neg();
  // Rounds away from zero to a multiple of 10^scale; false if that lost precision.
  bool RoundUp(int32_t scale);

 private:
  // value = (negative_ ? -1 : 1) * digits_ * 10^exp_. digits_ has no leading or trailing
  // zeros; zero is digits_ == "" with exp_ == 0 and negative_ == false.
  bool negative_ = false;
  std::string digits_;
  int32_t exp_ = 0;
  QuantityFormat format_ = QuantityFormat::kDecimalSI;
  std::string cached_;  // the parsed text when upstream would reuse it; "" otherwise

  void Normalize();
  void AddSigned(const Quantity& other, bool subtract);
};

}  // namespace sampan::api
