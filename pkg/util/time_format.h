#pragma once
// Kubernetes timestamp formats: metav1.Time is RFC 3339 in UTC with seconds
// ("2026-11-27T06:07:23Z"); MicroTime adds microseconds.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace sampan {

std::string FormatRfc3339(std::chrono::system_clock::time_point t);
std::string FormatRfc3339Micro(std::chrono::system_clock::time_point t);
// Nanoseconds, always 9 digits ("2026-11-27T06:07:23.000001234Z"): CRI log lines.
std::string FormatRfc3339Nano(std::chrono::system_clock::time_point t);
// Accepts "2026-11-27T06:07:23Z", fractional seconds and numeric offsets.
std::optional<std::chrono::system_clock::time_point> ParseRfc3339(std::string_view s);
// Upstream's short human duration for AGE columns: "5s", "3m12s", "2d4h", "45d", "3y120d".
std::string HumanDuration(std::chrono::seconds d);

}  // namespace sampan
