// IsValidIP / IsValidIPForLegacyField of validation.h. Parsing follows Go: the "sloppy" parser
// (k8s.io/utils/net.ParseIPSloppy = Go 1.16 net.ParseIP, which reads IPv4 octets with leading
// zeros as decimal) decides validity; netip.ParseAddr's stricter rules add "leading 0s"; the
// canonical form is net.IP.String().

#include <array>
#include <cstdint>
#include <cstdio>
#include <optional>

#include "pkg/api/validation.h"

namespace sampan::api {
namespace {

struct ParsedIp {
  std::array<uint8_t, 16> bytes{};  // IPv4 is stored IPv4-mapped (::ffff:a.b.c.d), as in Go
  bool is_v6_text = false;          // written with ':' (so ::ffff:1.2.3.4 is "4-in-6")
  bool strict_ok = true;            // netip.ParseAddr would accept it too
};

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
int HexVal(char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; }

// Four decimal octets; leading zeros allowed (sloppy) but noted as not strict.
bool ParseV4(std::string_view s, uint8_t* out, bool* strict_ok) {
  for (int i = 0; i < 4; ++i) {
    if (i > 0) {
      if (s.empty() || s[0] != '.') return false;
      s.remove_prefix(1);
    }
    int n = 0;
    size_t j = 0;
    for (; j < s.size() && s[j] >= '0' && s[j] <= '9'; ++j) {
      n = n * 10 + (s[j] - '0');
      if (n > 0xff) return false;
    }
    if (j == 0) return false;
    if (j > 1 && s[0] == '0') *strict_ok = false;
    out[i] = static_cast<uint8_t>(n);
    s.remove_prefix(j);
  }
  return s.empty();
}

bool ParseV6(std::string_view s, ParsedIp* ip) {
  auto& b = ip->bytes;
  int ellipsis = -1;
  if (s.size() >= 2 && s[0] == ':' && s[1] == ':') {
    ellipsis = 0;
    s.remove_prefix(2);
    if (s.empty()) return true;
  }
  int i = 0;
  while (i < 16) {
    // Hex field: Go's xtoi stops at 0xFFFFFF, so extra leading zeros pass the sloppy parser.
    size_t c = 0;
    int64_t n = 0;
    for (; c < s.size() && IsHex(s[c]); ++c) {
      n = n * 16 + HexVal(s[c]);
      if (n >= 0xFFFFFF) return false;
    }
    if (c == 0 || n > 0xFFFF) return false;
    if (c > 4) ip->strict_ok = false;
    if (c < s.size() && s[c] == '.') {  // trailing embedded IPv4
      if (ellipsis < 0 && i != 12) return false;
      if (i + 4 > 16) return false;
      if (!ParseV4(s, &b[static_cast<size_t>(i)], &ip->strict_ok)) return false;
      i += 4;
      s = {};
      break;
    }
    b[static_cast<size_t>(i)] = static_cast<uint8_t>(n >> 8);
    b[static_cast<size_t>(i) + 1] = static_cast<uint8_t>(n);
    i += 2;
    s.remove_prefix(c);
    if (s.empty()) break;
    if (s[0] != ':' || s.size() == 1) return false;
    s.remove_prefix(1);
    if (s[0] == ':') {
      if (ellipsis >= 0) return false;
      ellipsis = i;
      s.remove_prefix(1);
      if (s.empty()) break;
    }
  }
  if (!s.empty()) return false;
  if (i < 16) {
    if (ellipsis < 0) return false;
    int n = 16 - i;
    for (int j = i - 1; j >= ellipsis; --j)
      b[static_cast<size_t>(j + n)] = b[static_cast<size_t>(j)];
    for (int j = ellipsis + n - 1; j >= ellipsis; --j) b[static_cast<size_t>(j)] = 0;
  } else if (ellipsis >= 0) {
    return false;  // "::" must stand for at least one group
  }
  return true;
}

std::optional<ParsedIp> ParseIpSloppy(std::string_view s) {
  ParsedIp ip;
  for (char c : s) {
    if (c == '.') {
      ip.bytes[10] = ip.bytes[11] = 0xff;
      if (!ParseV4(s, &ip.bytes[12], &ip.strict_ok)) return std::nullopt;
      return ip;
    }
    if (c == ':') {
      ip.is_v6_text = true;
      if (!ParseV6(s, &ip)) return std::nullopt;
      return ip;
    }
  }
  return std::nullopt;
}

bool IsV4Mapped(const std::array<uint8_t, 16>& b) {
  for (int i = 0; i < 10; ++i) {
    if (b[static_cast<size_t>(i)] != 0) return false;
  }
  return b[10] == 0xff && b[11] == 0xff;
}

// net.IP.String(): dotted quad for IPv4 (and IPv4-mapped), RFC 5952 style for IPv6 with the
// first longest run (>= 2 groups) of zero groups as "::".
std::string IpString(const std::array<uint8_t, 16>& b) {
  if (IsV4Mapped(b)) {
    return std::to_string(b[12]) + "." + std::to_string(b[13]) + "." + std::to_string(b[14]) + "." +
           std::to_string(b[15]);
  }
  int e0 = -1, e1 = -1;
  for (int i = 0; i < 16; i += 2) {
    int j = i;
    while (j < 16 && b[static_cast<size_t>(j)] == 0 && b[static_cast<size_t>(j) + 1] == 0) j += 2;
    if (j > i && j - i > e1 - e0) {
      e0 = i;
      e1 = j;
      i = j;
    }
  }
  if (e1 - e0 <= 2) e0 = e1 = -1;
  std::string out;
  char buf[8];
  for (int i = 0; i < 16; i += 2) {
    if (i == e0) {
      out += "::";
      i = e1;
      if (i >= 16) break;
    } else if (i > 0) {
      out += ':';
    }
    std::snprintf(buf, sizeof(buf), "%x",
                  (b[static_cast<size_t>(i)] << 8) | b[static_cast<size_t>(i) + 1]);
    out += buf;
  }
  return out;
}

constexpr std::string_view kNotAnIp =
    "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)";

std::optional<ParsedIp> ParseChecked(const FieldPath& path, std::string_view value, bool strict,
                                     FieldErrors* errs) {
  auto ip = ParseIpSloppy(value);
  if (!ip) {
    errs->Invalid(path, value, kNotAnIp);
    return std::nullopt;
  }
  if (strict) {
    if (!ip->strict_ok) errs->Invalid(path, value, "must not have leading 0s");
    if (ip->is_v6_text && IsV4Mapped(ip->bytes)) {
      errs->Invalid(path, value, "must not be an IPv4-mapped IPv6 address");
    }
  }
  return ip;
}

}  // namespace

FieldErrors IsValidIP(const FieldPath& path, std::string_view value) {
  FieldErrors errs;
  auto ip = ParseChecked(path, value, /*strict=*/true, &errs);
  if (!ip || !errs.empty()) return errs;
  std::string canonical = IpString(ip->bytes);
  if (value != canonical) {
    errs.Invalid(path, value, "must be in canonical form (" + GoQuote(canonical) + ")");
  }
  return errs;
}

FieldErrors IsValidIPForLegacyField(const FieldPath& path, std::string_view value, bool strict) {
  FieldErrors errs;
  (void)ParseChecked(path, value, strict, &errs);
  return errs;
}

}  // namespace sampan::api
