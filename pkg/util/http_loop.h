#pragma once
// LoopQueue: how other threads (handlers on workers) hand work to the server's libuv loop.
// Shared (shared_ptr) by the server and every response writer, so a writer that outlives the
// server posts into a closed queue instead of a freed loop: after Close(), Post() drops the
// task and returns false. Thread-safe; Drain() and Close() run on the loop thread.

#include <functional>
#include <mutex>
#include <vector>

struct uv_async_s;

namespace sampan::http {

class LoopQueue {
 public:
  // `wakeup` is signalled (uv_async_send) when the queue becomes non-empty.
  explicit LoopQueue(uv_async_s* wakeup) : wakeup_(wakeup) {}

  bool Post(std::function<void()> fn);
  // Runs everything queued so far, in order.
  void Drain();
  // Drops queued tasks; later posts are refused. Call before closing the wakeup handle.
  void Close();

 private:
  std::mutex mu_;
  uv_async_s* wakeup_;  // guarded by mu_; null once closed
  std::vector<std::function<void()>> tasks_;
};

}  // namespace sampan::http
