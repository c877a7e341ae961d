#include "pkg/apiserver/store_watch_loop.h"

#include <algorithm>

namespace sampan::apiserver {
namespace {

// The longest the thread sleeps while a period runs, so that a FakeClock's advance is seen.
constexpr std::chrono::milliseconds kClockPoll{50};

}  // namespace

Result<std::unique_ptr<StoreWatchLoop>> StoreWatchLoop::Start(storage::Store& store,
                                                              const std::string& prefix, Pass pass,
                                                              Options options) {
  std::unique_ptr<StoreWatchLoop> loop(new StoreWatchLoop(std::move(pass), options));
  StoreWatchLoop* self = loop.get();
  ASSIGN_OR_RETURN(loop->watch_,
                   store.WatchPrefix(prefix, 0, [self](const std::vector<storage::EventPtr>&) {
                     std::lock_guard<std::mutex> lock(self->mu_);
                     self->changed_ = true;
                     self->cv_.notify_one();
                   }));
  loop->thread_ = std::thread([self] { self->Run(); });
  return loop;
}

StoreWatchLoop::~StoreWatchLoop() { Stop(); }

void StoreWatchLoop::Stop() {
  if (watch_) watch_->Cancel();
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

int64_t StoreWatchLoop::passes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return passes_;
}

int64_t StoreWatchLoop::idle_wakeups() const {
  std::lock_guard<std::mutex> lock(mu_);
  return idle_wakeups_;
}

void StoreWatchLoop::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    // Sleep until a change, the end of the period (if work remains) or Stop().
    for (;;) {
      if (stop_) return;
      if (changed_) break;
      if (recheck_at_ && options_.clock->Now() >= *recheck_at_) break;
      if (recheck_at_) {
        Clock::Duration left = *recheck_at_ - options_.clock->Now();
        cv_.wait_for(lock, std::min<Clock::Duration>(left, kClockPoll));
      } else {
        cv_.wait(lock);
      }
      if (!stop_ && !changed_ && !(recheck_at_ && options_.clock->Now() >= *recheck_at_)) {
        ++idle_wakeups_;
      }
    }
    changed_ = false;
    recheck_at_.reset();
    ++passes_;
    lock.unlock();
    bool pending = pass_();
    lock.lock();
    if (pending) recheck_at_ = options_.clock->Now() + options_.period;
  }
}

}  // namespace sampan::apiserver
