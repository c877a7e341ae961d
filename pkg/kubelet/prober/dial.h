#pragma once
// Blocking TCP connects with a deadline for the probes, with upstream's (Go's) error texts:
// "dial tcp 10.42.0.5:8080: connect: connection refused", "dial tcp 10.42.0.5:8080: i/o
// timeout". Names other than IP literals are resolved with c-ares (pkg/util/resolver.h).
//
// Threading: free functions, safe from any thread; they block the caller.

#include <chrono>
#include <optional>
#include <string>
#include <utility>

#include "pkg/util/host_port.h"  // JoinHostPort, for the probes' messages
#include "pkg/util/status.h"

namespace sampan::kubelet::prober {

using Deadline = std::optional<std::chrono::steady_clock::time_point>;  // nullopt: none

// Deadline `timeout` from now; a zero timeout means none.
Deadline DeadlineAfter(std::chrono::milliseconds timeout);
// Milliseconds left for poll(): -1 without a deadline, 0 once it passed.
int PollTimeoutMs(const Deadline& deadline);

// Owns a socket; closes it on destruction. Move-only.
class Socket {
 public:
  Socket() = default;
  explicit Socket(int fd) : fd_(fd) {}
  Socket(Socket&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Socket& operator=(Socket&& other) noexcept;
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket();

  int fd() const { return fd_; }

 private:
  int fd_ = -1;
};

// Connects to host:port and returns the socket, left in non-blocking mode. The error's
// message is Go's text, ready for a probe message (Unavailable).
Result<Socket> DialTcp(const std::string& host, int port, const Deadline& deadline);

}  // namespace sampan::kubelet::prober
