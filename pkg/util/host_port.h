#pragma once
// Host and port as Go's net package writes them: IPv6 literals in brackets.

#include <string>

namespace sampan {

// "fd00::1" for "[fd00::1]"; anything else as given.
std::string StripBrackets(const std::string& host);

// "10.0.0.1:80" or "[fd00::1]:80" (Go's net.JoinHostPort); `host` may come bracketed.
std::string JoinHostPort(const std::string& host, int port);

}  // namespace sampan
