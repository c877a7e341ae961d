#pragma once
// Blocking writes of a whole buffer to a socket (no SIGPIPE when the peer is gone).

#include <sys/socket.h>

#include <cerrno>
#include <string_view>

namespace sampan {

// Sends all of `data` to the blocking socket `fd`; false once the peer is gone.
inline bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace sampan
