#pragma once
// ByteQueue: bytes handed from one thread (an event loop's read callback) to another that
// waits with poll() on other descriptors too: fd() (an eventfd) is readable while bytes or
// the end are waiting. Thread-safe.

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "pkg/util/status.h"

namespace sampan {

class ByteQueue {
 public:
  static Result<std::unique_ptr<ByteQueue>> New();
  ~ByteQueue();
  ByteQueue(const ByteQueue&) = delete;
  ByteQueue& operator=(const ByteQueue&) = delete;

  // Producer side: append bytes; mark the end (no more bytes will come).
  void Push(std::string_view bytes);
  void Close();

  // Consumer side: everything queued so far (may be empty); *eof once closed and drained.
  std::string Take(bool* eof);
  int fd() const { return event_fd_; }

 private:
  explicit ByteQueue(int event_fd) : event_fd_(event_fd) {}
  void Signal();

  const int event_fd_;
  std::mutex mu_;
  std::string bytes_;    // guarded by mu_
  bool closed_ = false;  // guarded by mu_
};

}  // namespace sampan
