#pragma once
// Starting shims and sandbox holders: `/proc/self/exe shim ...` as a daemon (double fork,
// own session, stdio on /dev/null), so it outlives the caller and is never the caller's
// child to reap. Safe to call from a multi-threaded process (only async-signal-safe calls
// between fork and exec).

#include <string>
#include <vector>

#include "pkg/util/status.h"
#include "pkg/util/unique_fd.h"

namespace sampan::runtime {

// File descriptor numbers a spawned shim finds its pipes at.
inline constexpr int kShimReadyFd = 3;
inline constexpr int kShimStdinFd = 4;

// Runs `exe args...` detached. `ready_fd` becomes fd 3 and `stdin_fd` (if >= 0) fd 4 in the
// daemon; every other descriptor is closed.
Status SpawnDaemon(const std::string& exe, const std::vector<std::string>& args, int ready_fd,
                   int stdin_fd);

// Reads the shim's one-line report from `ready_fd` ("ok PID" or "error CODE MESSAGE...")
// within `timeout_ms`. Returns the pid, or the error as a Status whose message is the shim's.
struct ShimReport {
  bool ok = false;
  int pid = 0;
  int code = 0;
  std::string message;
};
Result<ShimReport> ReadShimReport(int ready_fd, int timeout_ms);

}  // namespace sampan::runtime
