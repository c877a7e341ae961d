#pragma once
// ASCII case folding for protocol text (header names, host names, schemes): no locale, so
// `std::tolower`'s call per character and its locale dependence stay out of it.

#include <cstddef>
#include <string_view>

namespace sampan {

inline char AsciiLower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c;
}

inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i] && AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

}  // namespace sampan
