#include "pkg/util/duration.h"

#include <fmt/core.h>

#include <cstdint>
#include <limits>

namespace sampan {
namespace {

constexpr uint64_t kMicro = 1000;
constexpr uint64_t kMilli = 1000 * kMicro;
constexpr uint64_t kSecond = 1000 * kMilli;
constexpr uint64_t kMinute = 60 * kSecond;
constexpr uint64_t kHour = 60 * kMinute;

struct Unit {
  std::string_view name;
  uint64_t nanos;
};
// Longer names first where one is a prefix of another ("ms" before "m").
constexpr Unit kUnits[] = {{"ns", 1},      {"us", kMicro}, {"\xc2\xb5s", kMicro}, {"ms", kMilli},
                           {"s", kSecond}, {"m", kMinute}, {"h", kHour}};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// "1500000" in units of 1e6 -> "1.5".
std::string WithFraction(uint64_t value, uint64_t unit) {
  std::string out = std::to_string(value / unit);
  uint64_t rest = value % unit;
  if (rest == 0) return out;
  std::string digits = std::to_string(rest + unit).substr(1);  // zero-padded remainder
  while (!digits.empty() && digits.back() == '0') digits.pop_back();
  return out + "." + digits;
}

}  // namespace

Result<std::chrono::nanoseconds> ParseDuration(std::string_view text) {
  auto invalid = [&] {
    return Status::Invalid(fmt::format(
        "invalid duration \"{}\" (want a number and a unit, e.g. 300ms, 10s, 1m30s)", text));
  };
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return std::chrono::nanoseconds(0);
  if (s.empty()) return invalid();

  constexpr uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  uint64_t total = 0;
  while (!s.empty()) {
    uint64_t whole = 0;
    uint64_t fraction = 0;
    uint64_t scale = 1;
    bool any_digit = false;
    while (!s.empty() && IsDigit(s[0])) {
      if (whole > (kMax - 9) / 10) return invalid();
      whole = whole * 10 + static_cast<uint64_t>(s[0] - '0');
      any_digit = true;
      s.remove_prefix(1);
    }
    if (!s.empty() && s[0] == '.') {
      s.remove_prefix(1);
      while (!s.empty() && IsDigit(s[0])) {
        if (scale < 1000000000000000000ULL) {  // digits beyond 1e-18 cannot matter
          fraction = fraction * 10 + static_cast<uint64_t>(s[0] - '0');
          scale *= 10;
        }
        any_digit = true;
        s.remove_prefix(1);
      }
    }
    if (!any_digit) return invalid();
    const Unit* unit = nullptr;
    for (const Unit& u : kUnits) {
      if (s.substr(0, u.name.size()) == u.name &&
          (unit == nullptr || u.name.size() > unit->name.size())) {
        unit = &u;
      }
    }
    if (unit == nullptr) return invalid();
    s.remove_prefix(unit->name.size());
    if (whole > kMax / unit->nanos) return invalid();
    // fraction < scale, so this term is below one unit; 128 bits hold the product exactly.
    using U128 = unsigned __int128;
    uint64_t part = whole * unit->nanos +
                    static_cast<uint64_t>(static_cast<U128>(fraction) * unit->nanos / scale);
    if (part > kMax - total) return invalid();
    total += part;
  }
  auto value = static_cast<int64_t>(total);
  return std::chrono::nanoseconds(negative ? -value : value);
}

std::string FormatDuration(std::chrono::nanoseconds duration) {
  int64_t n = duration.count();
  if (n == 0) return "0s";
  std::string sign = n < 0 ? "-" : "";
  // Negate in unsigned arithmetic so INT64_MIN does not overflow.
  uint64_t u = n < 0 ? ~static_cast<uint64_t>(n) + 1 : static_cast<uint64_t>(n);
  if (u < kMicro) return sign + std::to_string(u) + "ns";
  if (u < kMilli) return sign + WithFraction(u, kMicro) + "us";
  if (u < kSecond) return sign + WithFraction(u, kMilli) + "ms";
  std::string out = sign;
  if (u >= kHour) out += std::to_string(u / kHour) + "h";
  u %= kHour;
  if (u >= kMinute) out += std::to_string(u / kMinute) + "m";
  u %= kMinute;
  if (u > 0) out += WithFraction(u, kSecond) + "s";
  return out;
}

}  // namespace sampan
