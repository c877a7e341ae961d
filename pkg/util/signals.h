#pragma once
// ShutdownSignals: SIGINT and SIGTERM delivered through a signalfd instead of a handler, so
// shutdown runs as ordinary code (no async-signal-safety rules, no busy loop).
//
// Block() must run before the process starts threads: new threads inherit the blocked mask,
// so no thread can take the default action (exit) while the main thread waits. Destroying the
// object closes the fd and leaves the signals blocked. Use from one thread.

#include "pkg/util/status.h"

namespace sampan {

class ShutdownSignals {
 public:
  // Blocks SIGINT and SIGTERM in the calling thread and opens the signalfd.
  static Result<ShutdownSignals> Block();

  ShutdownSignals(ShutdownSignals&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  ShutdownSignals& operator=(ShutdownSignals&& other) noexcept;
  ShutdownSignals(const ShutdownSignals&) = delete;
  ShutdownSignals& operator=(const ShutdownSignals&) = delete;
  ~ShutdownSignals();

  // Blocks until SIGINT or SIGTERM arrives (or was already pending); returns its number.
  Result<int> Wait();
  // Readable when a signal is pending (for event loops).
  int fd() const { return fd_; }

 private:
  explicit ShutdownSignals(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace sampan
