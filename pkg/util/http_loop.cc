#include "pkg/util/http_loop.h"

#include <uv.h>

namespace sampan::http {

bool LoopQueue::Post(std::function<void()> fn) {
  std::lock_guard lock(mu_);
  if (wakeup_ == nullptr) return false;
  // A non-empty queue already has a wake-up on its way.
  bool wake = tasks_.empty();
  tasks_.push_back(std::move(fn));
  if (wake) uv_async_send(wakeup_);
  return true;
}

void LoopQueue::Drain() {
  std::vector<std::function<void()>> batch;
  {
    std::lock_guard lock(mu_);
    batch.swap(tasks_);
  }
  for (auto& task : batch) {
    task();
    task = nullptr;  // release captures (weak refs, buffers) as soon as the task ran
  }
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
