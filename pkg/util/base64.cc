#include "pkg/util/base64.h"

namespace sampan {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

bool IsLineBreak(char c) { return c == '\r' || c == '\n'; }

}  // namespace

std::string Base64Encode(std::string_view data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    uint32_t n = (uint8_t(data[i]) << 16) | (uint8_t(data[i + 1]) << 8) | uint8_t(data[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i < data.size()) {
    uint32_t n = uint8_t(data[i]) << 16;
    if (i + 1 < data.size()) n |= uint8_t(data[i + 1]) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < data.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::string> Base64Decode(std::string_view text) {
  // Go's decoder accepts exactly the strict form plus line breaks anywhere.
  if (text.find_first_of("\r\n") != std::string_view::npos) return std::nullopt;
  size_t bad_at = 0;
  return GoBase64Decode(text, &bad_at);
}

// One group of four characters at a time, as Go's decodeQuantum (same offsets in errors).
std::optional<std::string> GoBase64Decode(std::string_view text, size_t* bad_at) {
  std::string out;
  out.reserve(text.size() / 4 * 3);
  const size_t n = text.size();
  size_t si = 0;
  auto fail = [&](size_t at) -> std::optional<std::string> {
    *bad_at = at;
    return std::nullopt;
  };
  auto skip_line_breaks = [&] {
    while (si < n && IsLineBreak(text[si])) ++si;
  };
  for (;;) {
    int group[4] = {0, 0, 0, 0};
    int length = 4;  // characters in this group before any padding
    bool padded = false;
    for (int j = 0; j < 4; ++j) {
      if (si == n) {
        if (j == 0) return out;
        return fail(si - j);  // a group cut short without its padding
      }
      char c = text[si++];
      if (int v = Value(c); v >= 0) {
        group[j] = v;
        continue;
      }
      if (IsLineBreak(c)) {
        --j;
        continue;
      }
      if (c != '=' || j < 2) return fail(si - 1);
      if (j == 2) {  // "==" expected; the first '=' is read
        skip_line_breaks();
        if (si == n) return fail(n);
        if (text[si] != '=') return fail(si - 1);
        ++si;
      }
      skip_line_breaks();
      if (si < n) return fail(si);  // something after the padding
      length = j;
      padded = true;
      break;
    }
    uint32_t bits = (group[0] << 18) | (group[1] << 12) | (group[2] << 6) | group[3];
    out += static_cast<char>((bits >> 16) & 0xff);
    if (length >= 3) out += static_cast<char>((bits >> 8) & 0xff);
    if (length == 4) out += static_cast<char>(bits & 0xff);
    if (padded) return out;
  }
}

}  // namespace sampan
