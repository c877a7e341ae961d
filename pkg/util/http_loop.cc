#include "pkg/util/http_loop.h"

#include <uv.h>

namespace sampan::http {

bool LoopQueue::Post(std::function<void()> fn) {
  bool on_loop = std::this_thread::get_id() == loop_thread_.load(std::memory_order_relaxed);
  std::lock_guard lock(mu_);
  if (wakeup_ == nullptr) return false;
  // A non-empty queue already has a wake-up on its way, or is the loop's own, which the
  // loop drains before it waits (a later post from elsewhere is drained with it).
  bool wake = tasks_.empty() && !on_loop;
  tasks_.push_back(std::move(fn));
  if (wake) uv_async_send(wakeup_);
  return true;
}

bool LoopQueue::Drain() {
  std::vector<std::function<void()>> batch;
  {
    std::lock_guard lock(mu_);
    batch.swap(tasks_);
  }
  for (auto& task : batch) {
    task();
    task = nullptr;  // release captures (weak refs, buffers) as soon as the task ran
  }
  return !batch.empty();
}

void LoopQueue::Close() {
  std::vector<std::function<void()>> dropped;
  {
    std::lock_guard lock(mu_);
    wakeup_ = nullptr;
    dropped.swap(tasks_);
  }
}

}  // namespace sampan::http
