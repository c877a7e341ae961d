#pragma once
// Random identifiers: UUIDs for object uids, name suffixes for generateName. Thread-safe
// (each thread has its own generator seeded from the kernel).

#include <string>
#include <string_view>

namespace sampan {

std::string RandomUuid();
// n characters drawn from `alphabet`.
std::string RandomString(size_t n, std::string_view alphabet);
// Upstream's generateName alphabet: no vowels (no words), no look-alike characters.
inline constexpr std::string_view kNameSuffixAlphabet = "bcdfghjklmnpqrstvwxz2456789";

}  // namespace sampan
