#pragma once
// Helpers shared by the two cgroup drivers: path joining, "key value" stat files.

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sampan::runtime::cgroup_util {

// "a" + "b/c" -> "a/b/c" (empty parts skipped, no duplicate slashes).
std::string Join(std::string_view a, std::string_view b);
// Cumulative prefixes of a relative path: "a/b/c" -> {"a", "a/b", "a/b/c"}.
std::vector<std::string> Prefixes(std::string_view relative);
// The value of `key` in a "key value" per line file (memory.stat, cpu.stat, memory.events).
std::optional<uint64_t> StatValue(std::string_view text, std::string_view key);
// First unsigned number in `text` ("max" and garbage give nullopt).
std::optional<uint64_t> ParseU64(std::string_view text);
// Pids listed one per line.
std::vector<pid_t> ParsePids(std::string_view text);

}  // namespace sampan::runtime::cgroup_util
