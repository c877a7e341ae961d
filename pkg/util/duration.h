#pragma once
// Go-style duration text, as k3s and Kubernetes flags spell durations ("300ms", "1m30s").

#include <chrono>
#include <string>
#include <string_view>

#include "pkg/util/status.h"

namespace sampan {

// "1h2m3.5s", "300ms", "10us", "-5s" or "0" to nanoseconds. Units: ns, us (µs), ms, s, m, h.
// Invalid text or overflow gives an Invalid Status.
Result<std::chrono::nanoseconds> ParseDuration(std::string_view text);

// The shortest Go-style text that ParseDuration reads back: "1m30s", "250ms", "0s".
std::string FormatDuration(std::chrono::nanoseconds duration);

}  // namespace sampan
