#include "pkg/util/host_port.h"

namespace sampan {

std::string StripBrackets(const std::string& host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    return host.substr(1, host.size() - 2);
  }
  return host;
}

std::string JoinHostPort(const std::string& host, int port) {
  std::string bare = StripBrackets(host);
  if (bare.find(':') != std::string::npos) return "[" + bare + "]:" + std::to_string(port);
  return bare + ":" + std::to_string(port);
}

}  // namespace sampan
