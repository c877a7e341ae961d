#include "pkg/api/quantity.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include "pkg/api/json.h"

namespace sampan::api {
namespace {

constexpr std::string_view kErrFormatWrong =
    "quantities must match the regular expression "
    "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
constexpr std::string_view kErrNumeric = "unable to parse numeric part of quantity";
constexpr std::string_view kErrSuffix = "unable to parse quantity's suffix";
constexpr int64_t kMaxIntegerDigits = 4096;  // see the header: bounds memory of exact sums
constexpr std::string_view kMaxInt64Digits = "9223372036854775807";

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// --- unsigned decimal magnitudes: strings of digits, most significant first ---------------

void StripLeadingZeros(std::string* s) {
  size_t n = 0;
  while (n < s->size() && (*s)[n] == '0') ++n;
  s->erase(0, n);
}

// Compares normalized magnitudes (no leading/trailing zeros) a*10^ea and b*10^eb.
int CmpMag(const std::string& a, int64_t ea, const std::string& b, int64_t eb) {
  if (a.empty() || b.empty()) return a.empty() ? (b.empty() ? 0 : -1) : 1;
  int64_t la = static_cast<int64_t>(a.size()) + ea, lb = static_cast<int64_t>(b.size()) + eb;
  if (la != lb) return la < lb ? -1 : 1;
  int c = a.compare(0, std::min(a.size(), b.size()), b, 0, std::min(a.size(), b.size()));
  if (c != 0) return c < 0 ? -1 : 1;
  return a.size() == b.size() ? 0 : (a.size() < b.size() ? -1 : 1);
}

// a + b for digit strings of the same scale.
std::string AddDigits(const std::string& a, const std::string& b) {
  std::string out(std::max(a.size(), b.size()) + 1, '0');
  int carry = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    int d = carry;
    if (i < a.size()) d += a[a.size() - 1 - i] - '0';
    if (i < b.size()) d += b[b.size() - 1 - i] - '0';
    out[out.size() - 1 - i] = static_cast<char>('0' + d % 10);
    carry = d / 10;
  }
  StripLeadingZeros(&out);
  return out;
}

// a - b for digit strings of the same scale, a >= b.
std::string SubDigits(const std::string& a, const std::string& b) {
  std::string out = a;
  int borrow = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    int d = (a[a.size() - 1 - i] - '0') - borrow - (i < b.size() ? b[b.size() - 1 - i] - '0' : 0);
    borrow = d < 0;
    if (d < 0) d += 10;
    out[out.size() - 1 - i] = static_cast<char>('0' + d);
  }
  StripLeadingZeros(&out);
  return out;
}

void Increment(std::string* s) {
  for (size_t i = s->size(); i-- > 0;) {
    if ((*s)[i] != '9') {
      ++(*s)[i];
      return;
    }
    (*s)[i] = '0';
  }
  s->insert(s->begin(), '1');
}

void MulSmall(std::string* s, uint64_t m) {
  unsigned __int128 carry = 0;
  for (size_t i = s->size(); i-- > 0;) {
    unsigned __int128 d = static_cast<unsigned __int128>((*s)[i] - '0') * m + carry;
    (*s)[i] = static_cast<char>('0' + static_cast<int>(d % 10));
    carry = d / 10;
  }
  while (carry > 0) {
    s->insert(s->begin(), static_cast<char>('0' + static_cast<int>(carry % 10)));
    carry /= 10;
  }
  StripLeadingZeros(s);
}

// Divides in place; returns the remainder.
uint32_t DivSmall(std::string* s, uint32_t d) {
  uint64_t rem = 0;
  for (char& c : *s) {
    uint64_t cur = rem * 10 + static_cast<uint64_t>(c - '0');
    c = static_cast<char>('0' + cur / d);
    rem = cur % d;
  }
  StripLeadingZeros(s);
  return static_cast<uint32_t>(rem);
}

// Magnitude (digits * 10^exp, exp >= 0 or digits integral) as uint64 if it fits.
std::optional<uint64_t> ToUint64(const std::string& digits, int64_t exp) {
  if (digits.empty()) return 0;
  if (static_cast<int64_t>(digits.size()) + exp > 20) return std::nullopt;
  unsigned __int128 v = 0;
  for (char c : digits) v = v * 10 + static_cast<unsigned>(c - '0');
  for (int64_t i = 0; i < exp; ++i) v *= 10;
  if (v > UINT64_MAX) return std::nullopt;
  return static_cast<uint64_t>(v);
}

std::optional<int64_t> ToInt64(bool negative, const std::string& digits, int64_t exp) {
  auto mag = ToUint64(digits, exp);
  if (!mag) return std::nullopt;
  if (negative) {
    if (*mag > static_cast<uint64_t>(INT64_MAX) + 1) return std::nullopt;
    return static_cast<int64_t>(0 - *mag);
  }
  if (*mag > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
  return static_cast<int64_t>(*mag);
}

// strconv.ParseInt(s, 10, 64).
std::optional<int64_t> ParseInt64(std::string_view s) {
  std::string_view d = s;
  if (!d.empty() && (d[0] == '+' || d[0] == '-')) d.remove_prefix(1);
  if (d.empty() || !std::all_of(d.begin(), d.end(), IsDigit)) return std::nullopt;
  std::string copy(s);
  errno = 0;
  long long v = std::strtoll(copy.c_str(), nullptr, 10);
  if (errno == ERANGE) return std::nullopt;
  return static_cast<int64_t>(v);
}

// --- parsing ---------------------------------------------------------------------------------

struct Scanned {
  bool positive = true;
  std::string_view value, num, denom, suffix;
};

// upstream parseQuantityString, step by step (its quirks included: "", "-", "." and a lone
// suffix like "m" scan as zero).
std::optional<Scanned> ScanQuantity(std::string_view str) {
  Scanned r;
  size_t pos = 0, end = str.size();
  if (pos < end && (str[0] == '-' || str[0] == '+')) {
    r.positive = str[0] != '-';
    ++pos;
  }
  while (true) {  // leading zeros
    if (pos >= end) {
      r.num = r.value = "0";
      return r;
    }
    if (str[pos] != '0') break;
    ++pos;
  }
  size_t i = pos;
  while (i < end && IsDigit(str[i])) ++i;
  if (i >= end) {
    r.num = str.substr(pos);
    r.value = str;
    return r;
  }
  r.num = str.substr(pos, i - pos);
  pos = i;
  if (r.num.empty()) r.num = "0";
  if (pos < end && str[pos] == '.') {
    ++pos;
    i = pos;
    while (i < end && IsDigit(str[i])) ++i;
    if (i >= end) {
      r.denom = str.substr(pos);
      r.value = str;
      return r;
    }
    r.denom = str.substr(pos, i - pos);
    pos = i;
  }
  r.value = str.substr(0, pos);
  size_t suffix_start = pos;
  i = pos;
  while (i < end && std::string_view("eEinumkKMGTP").find(str[i]) != std::string_view::npos) ++i;
  if (i >= end) {
    r.suffix = str.substr(suffix_start);
    return r;
  }
  pos = i;
  if (str[pos] == '-' || str[pos] == '+') ++pos;
  for (i = pos; i < end; ++i) {
    if (!IsDigit(str[i])) return std::nullopt;  // junk after the exponent
  }
  r.suffix = str.substr(suffix_start);
  return r;
}

struct Suffix {
  int base;  // 10 or 2
  int32_t exponent;
  QuantityFormat format;
};

std::optional<Suffix> InterpretSuffix(std::string_view s) {
  static constexpr std::pair<std::string_view, int32_t> kDecimal[] = {
      {"", 0},  {"n", -9}, {"u", -6}, {"m", -3}, {"k", 3},
      {"M", 6}, {"G", 9},  {"T", 12}, {"P", 15}, {"E", 18}};
  static constexpr std::pair<std::string_view, int32_t> kBinary[] = {
      {"Ki", 10}, {"Mi", 20}, {"Gi", 30}, {"Ti", 40}, {"Pi", 50}, {"Ei", 60}};
  for (auto [name, exp] : kDecimal) {
    if (s == name) return Suffix{10, exp, QuantityFormat::kDecimalSI};
  }
  for (auto [name, exp] : kBinary) {
    if (s == name) return Suffix{2, exp, QuantityFormat::kBinarySI};
  }
  if (s.size() > 1 && (s[0] == 'e' || s[0] == 'E')) {
    auto v = ParseInt64(s.substr(1));
    if (!v) return std::nullopt;
    // Upstream converts with int32(...): out-of-range exponents wrap.
    return Suffix{10, static_cast<int32_t>(*v), QuantityFormat::kDecimalExponent};
  }
  return std::nullopt;
}

// Whether upstream parses `sc` on its int64 fast path, and whether it then keeps the input
// text as the canonical string.
struct FastPath {
  bool taken = false;
  bool keeps_text = false;
};

FastPath CheckFastPath(const Scanned& sc, const Suffix& suffix) {
  FastPath fp;
  int64_t digits = static_cast<int64_t>(sc.num.size() + sc.denom.size());
  int64_t precision, scale = 0;
  if (suffix.format == QuantityFormat::kBinarySI) {
    // upstream: 15 - len(num) - int32(float32(exponent)*3/10) - 1
    precision =
        sc.denom.empty() ? 14 - static_cast<int64_t>(sc.num.size()) - suffix.exponent * 3 / 10 : -1;
  } else {
    scale = suffix.exponent;
    precision = 18 - digits;
  }
  if (precision < 0) return fp;
  scale -= static_cast<int64_t>(sc.denom.size());
  if (scale < -9) return fp;
  std::string shifted = std::string(sc.num) + std::string(sc.denom);
  auto value = ParseInt64(shifted);
  if (!value) return fp;
  if (suffix.format == QuantityFormat::kBinarySI) {
    __int128 product = static_cast<__int128>(*value) << suffix.exponent;
    if (product > INT64_MAX) return fp;
    fp.taken = true;
    fp.keeps_text = suffix.exponent % 10 == 0 && (*value & 0x07) != 0;
  } else {
    fp.taken = true;
    fp.keeps_text =
        scale % 3 == 0 && !(shifted.size() >= 3 && shifted.ends_with("000")) && shifted[0] != '0';
  }
  return fp;
}

}  // namespace

// --- Quantity ----------------------------------------------------------------------------------

void Quantity::Normalize() {
  StripLeadingZeros(&digits_);
  size_t n = digits_.size();
  while (n > 0 && digits_[n - 1] == '0') --n;
  exp_ += static_cast<int32_t>(digits_.size() - n);
  digits_.resize(n);
  if (digits_.empty()) {
    exp_ = 0;
    negative_ = false;
  }
}

Result<Quantity> Quantity::Parse(std::string_view text) {
  if (text.empty()) return Status::BadRequest(std::string(kErrFormatWrong));
  Quantity q;
  if (text == "0") {
    q.cached_ = "0";
    return q;
  }
  auto sc = ScanQuantity(text);
  if (!sc) return Status::BadRequest(std::string(kErrFormatWrong));
  auto suffix = InterpretSuffix(sc->suffix);
  if (!suffix) return Status::BadRequest(std::string(kErrSuffix));
  FastPath fp = CheckFastPath(*sc, *suffix);
  // Off the fast path upstream needs at least one digit in the number.
  if (!fp.taken && std::none_of(sc->value.begin(), sc->value.end(), IsDigit)) {
    return Status::BadRequest(std::string(kErrNumeric));
  }

  q.format_ = suffix->format;
  q.negative_ = !sc->positive;
  q.digits_ = std::string(sc->num) + std::string(sc->denom);
  int64_t exp = -static_cast<int64_t>(sc->denom.size());
  if (suffix->base == 10) {
    exp += suffix->exponent;
  } else {
    for (int32_t left = suffix->exponent; left > 0; left -= 30) {
      MulSmall(&q.digits_, uint64_t{1} << std::min(left, 30));
    }
  }
  // Normalize before checking limits so that e.g. "0e999999999" stays legal.
  StripLeadingZeros(&q.digits_);
  if (!q.digits_.empty()) {
    size_t n = q.digits_.size();
    while (n > 0 && q.digits_[n - 1] == '0') --n;
    exp += static_cast<int64_t>(q.digits_.size() - n);
    q.digits_.resize(n);
    if (static_cast<int64_t>(q.digits_.size()) + exp > kMaxIntegerDigits) {
      return Status::BadRequest("quantity is too large: at most " +
                                std::to_string(kMaxIntegerDigits) + " digits are supported");
    }
    // Non-zero values round up (away from zero) to the nano scale.
    if (exp < -9) {
      int64_t drop = -9 - exp;
      if (drop >= static_cast<int64_t>(q.digits_.size())) {
        q.digits_ = "1";
      } else {
        q.digits_.resize(q.digits_.size() - static_cast<size_t>(drop));
        Increment(&q.digits_);
      }
      exp = -9;
    }
  }
  q.exp_ = static_cast<int32_t>(exp);
  q.Normalize();
  if (q.format_ == QuantityFormat::kBinarySI && !q.digits_.empty()) {
    // BinarySI is capped at the int64 range; fractions below one print as DecimalSI.
    if (CmpMag(q.digits_, q.exp_, std::string(kMaxInt64Digits), 0) > 0) {
      q.digits_ = kMaxInt64Digits;
      q.exp_ = 0;
    } else if (CmpMag(q.digits_, q.exp_, "1", 0) < 0) {
      q.format_ = QuantityFormat::kDecimalSI;
    }
  }
  if (fp.taken && fp.keeps_text) q.cached_ = std::string(text);
  return q;
}

Result<Quantity> Quantity::FromJson(const Json& value) {
  if (value.is_null()) return Quantity();
  if (value.is_string()) {
    // Upstream trims surrounding whitespace of JSON strings (but not of Parse input).
    std::string_view s = value.get_ref<const std::string&>();
    constexpr std::string_view kSpace = " \t\n\r\v\f";
    size_t b = s.find_first_not_of(kSpace);
    if (b == std::string_view::npos) return Parse("");
    return Parse(s.substr(b, s.find_last_not_of(kSpace) - b + 1));
  }
  // Numbers are read from their text, like upstream's UnmarshalJSON of the raw bytes; a
  // float is printed in its shortest round-trip form (1e3 arrives as "1000.0").
  try {
    return Parse(value.dump());
  } catch (const std::exception&) {  // dump() rejects invalid UTF-8 inside objects
    return Status::BadRequest(std::string(kErrFormatWrong));
  }
}

Quantity Quantity::FromScaled(int64_t value, int32_t scale) {
  Quantity q;
  uint64_t mag = value < 0 ? 0 - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
  q.negative_ = value < 0;
  q.digits_ = std::to_string(mag);
  q.exp_ = scale;
  q.Normalize();
  return q;
}

Quantity Quantity::FromInt64(int64_t value, QuantityFormat format) {
  Quantity q = FromScaled(value, 0);
  q.format_ = format;
  return q;
}

Quantity Quantity::FromMilli(int64_t milli, QuantityFormat format) {
  Quantity q = FromScaled(milli, -3);
  q.format_ = format;
  return q;
}

void Quantity::set_format(QuantityFormat format) {
  format_ = format;
  cached_.clear();
}

std::string Quantity::ToString() const {
  if (!cached_.empty()) return cached_;
  if (IsZero()) return "0";
  std::string sign = negative_ ? "-" : "";
  QuantityFormat format = format_;
  // BinarySI only for integers of magnitude >= 1024; otherwise DecimalSI loses nothing.
  if (format == QuantityFormat::kBinarySI && (CmpMag(digits_, exp_, "1024", 0) < 0 || exp_ < 0)) {
    format = QuantityFormat::kDecimalSI;
  }
  if (format == QuantityFormat::kBinarySI) {
    static constexpr std::string_view kBinary[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
    std::string mantissa = digits_ + std::string(static_cast<size_t>(exp_), '0');
    size_t power = 0;
    while (true) {
      std::string next = mantissa;
      if (DivSmall(&next, 1024) != 0 || next.empty()) break;
      mantissa = std::move(next);
      ++power;
    }
    // Upstream has no suffix beyond Ei and then prints the bare mantissa (sic).
    return sign + mantissa + std::string(power < 7 ? kBinary[power] : "");
  }
  std::string mantissa = digits_;
  int64_t exp = exp_;
  while (exp % 3 != 0) {  // the exponent becomes a multiple of three, moving down
    mantissa += '0';
    --exp;
  }
  if (format == QuantityFormat::kDecimalExponent) {
    return sign + mantissa + (exp == 0 ? "" : "e" + std::to_string(exp));
  }
  static constexpr std::pair<int64_t, std::string_view> kDecimal[] = {
      {-9, "n"}, {-6, "u"}, {-3, "m"}, {0, ""},   {3, "k"},
      {6, "M"},  {9, "G"},  {12, "T"}, {15, "P"}, {18, "E"}};
  for (auto [e, name] : kDecimal) {
    if (e == exp) return sign + mantissa + std::string(name);
  }
  return sign + mantissa;  // upstream: no suffix for this exponent, prints the mantissa (sic)
}

int64_t Quantity::ScaledValue(int32_t scale) const {
  if (auto v = TryScaledValue(scale)) return *v;
  return negative_ ? INT64_MIN : INT64_MAX;
}

std::optional<int64_t> Quantity::TryScaledValue(int32_t scale) const {
  if (IsZero()) return 0;
  Quantity t = *this;
  t.RoundUp(scale);
  return ToInt64(t.negative_, t.digits_, static_cast<int64_t>(t.exp_) - scale);
}

std::optional<int64_t> Quantity::AsInt64() const {
  if (exp_ < 0) return std::nullopt;
  return ToInt64(negative_, digits_, exp_);
}

double Quantity::AsApproximateDouble() const {
  if (IsZero()) return 0;
  std::string text = (negative_ ? "-" : "") + digits_ + "e" + std::to_string(exp_);
  return std::strtod(text.c_str(), nullptr);
}

int Quantity::Cmp(const Quantity& other) const {
  int a = Sign(), b = other.Sign();
  if (a != b) return a < b ? -1 : 1;
  if (a == 0) return 0;
  int c = CmpMag(digits_, exp_, other.digits_, other.exp_);
  return a > 0 ? c : -c;
}

void Quantity::AddSigned(const Quantity& other, bool subtract) {
  if (IsZero()) format_ = other.format_;
  cached_.clear();
  if (other.IsZero()) return;
  bool other_negative = other.negative_ != subtract;
  if (IsZero()) {
    digits_ = other.digits_;
    exp_ = other.exp_;
    negative_ = other_negative;
    return;
  }
  int32_t exp = std::min(exp_, other.exp_);
  std::string a = digits_ + std::string(static_cast<size_t>(exp_ - exp), '0');
  std::string b = other.digits_ + std::string(static_cast<size_t>(other.exp_ - exp), '0');
  if (negative_ == other_negative) {
    digits_ = AddDigits(a, b);
  } else if (int c = CmpMag(digits_, exp_, other.digits_, other.exp_); c >= 0) {
    digits_ = SubDigits(a, b);
  } else {
    digits_ = SubDigits(b, a);
    negative_ = other_negative;
  }
  exp_ = exp;
  Normalize();
}

void Quantity::Add(const Quantity& other) { AddSigned(other, false); }
void Quantity::Sub(const Quantity& other) { AddSigned(other, true); }

void Quantity::Mul(int64_t factor) {
  cached_.clear();
  if (factor == 0 || IsZero()) {
    digits_.clear();
    Normalize();
    return;
  }
  MulSmall(&digits_,
           factor < 0 ? 0 - static_cast<uint64_t>(factor) : static_cast<uint64_t>(factor));
  negative_ = negative_ != (factor < 0);
  Normalize();
}

void Quantity::Neg() {
  cached_.clear();
  if (!IsZero()) negative_ = !negative_;
}

bool Quantity::RoundUp(int32_t scale) {
  if (IsZero() || exp_ >= scale) return true;
  cached_.clear();
  int64_t drop = static_cast<int64_t>(scale) - exp_;  // digits_ ends in non-zero: inexact
  if (drop >= static_cast<int64_t>(digits_.size())) {
    digits_ = "1";
  } else {
    digits_.resize(digits_.size() - static_cast<size_t>(drop));
    Increment(&digits_);
  }
  exp_ = scale;
  Normalize();
  return false;
}

}  // namespace sampan::api
