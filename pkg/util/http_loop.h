#pragma once
// LoopQueue: how other threads (handlers on workers) hand work to the server's libuv loop.
// Shared (shared_ptr) by the server and every response writer, so a writer that outlives the
// server posts into a closed queue instead of a freed loop: after Close(), Post() drops the
// task and returns false. Thread-safe; Drain() and Close() run on the loop thread.
//
// A post from the loop's own thread (an inline handler's reply) signals nothing: the loop
// is running, not waiting, and drains the queue before it waits again (a prepare handle
// calls Drain()). That saves the wake-up's two system calls and a turn of the loop.

#include <atomic>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

struct uv_async_s;

namespace sampan::http {

class LoopQueue {
 public:
  // `wakeup` is signalled (uv_async_send) when the queue becomes non-empty.
  explicit LoopQueue(uv_async_s* wakeup) : wakeup_(wakeup) {}

  // Called on the loop's thread before it runs: posts from it then signal nothing.
  void BindToThisThread() { loop_thread_.store(std::this_thread::get_id()); }

  bool Post(std::function<void()> fn);
  // Runs everything queued so far, in order; false if there was nothing.
  bool Drain();
  // Drops queued tasks; later posts are refused. Call before closing the wakeup handle.
  void Close();

 private:
  std::mutex mu_;
  uv_async_s* wakeup_;  // guarded by mu_; null once closed
  std::vector<std::function<void()>> tasks_;
  std::atomic<std::thread::id> loop_thread_{};
};

}  // namespace sampan::http
