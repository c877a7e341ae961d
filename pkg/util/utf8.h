#pragma once
// UTF-8 as RFC 3629 defines it: no overlong forms, no surrogates, nothing above U+10FFFF
// (exactly what nlohmann's JSON reader and writer accept).

#include <cstddef>

namespace sampan {

// The length of the multi-byte character at `p` (whose first byte is >= 0x80), or 0 when
// the bytes up to `end` are not one.
inline size_t Utf8SequenceLength(const char* p, const char* end) {
  auto in = [](char ch, unsigned char lo, unsigned char hi) {
    auto c = static_cast<unsigned char>(ch);
    return c >= lo && c <= hi;
  };
  auto c = static_cast<unsigned char>(*p);
  size_t left = static_cast<size_t>(end - p);
  if (c >= 0xC2 && c <= 0xDF) return left >= 2 && in(p[1], 0x80, 0xBF) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    unsigned char lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    return left >= 3 && in(p[1], lo, hi) && in(p[2], 0x80, 0xBF) ? 3 : 0;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    unsigned char lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    return left >= 4 && in(p[1], lo, hi) && in(p[2], 0x80, 0xBF) && in(p[3], 0x80, 0xBF) ? 4
                                                                                           : 0;
  }
  return 0;
}

}  // namespace sampan
