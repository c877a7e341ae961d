#pragma once
// FakeDispatcher: a Dispatcher whose timers follow a FakeClock. Nothing runs by itself: a
// test calls RunPending() to run posted tasks and timers that are due, or Advance() to move
// the clock and fire timers at their due times, in order. Post/AddTimer/CancelTimer are
// thread-safe (work done on other threads may post results); the Run* calls and Advance
// must come from one test thread, which plays the loop thread. fd watches are not
// supported (WatchFd returns 0).

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <utility>

#include "pkg/util/dispatcher.h"
#include "test/fakes/fake_clock.h"

namespace sampan::testing {

class FakeDispatcher final : public Dispatcher {
 public:
  explicit FakeDispatcher(FakeClock& clock) : clock_(clock) {}

  void Post(std::function<void()> fn) override {
    {
      std::lock_guard lock(mu_);
      posted_.push_back(std::move(fn));
    }
    posted_cv_.notify_all();
  }
  TimerId AddTimer(std::chrono::nanoseconds delay, std::function<void()> fn) override {
    return Add(delay, std::nullopt, std::move(fn));
  }
  TimerId AddRepeatingTimer(std::chrono::nanoseconds interval, std::function<void()> fn) override {
    if (interval < std::chrono::milliseconds(1)) interval = std::chrono::milliseconds(1);
    return Add(interval, interval, std::move(fn));
  }
  void CancelTimer(TimerId id) override {
    std::lock_guard lock(mu_);
    timers_.erase(id);
  }
  FdWatchId WatchFd(int, bool, bool, std::function<void(int)>) override { return 0; }
  void UnwatchFd(FdWatchId) override {}
  void Run() override {}
  void Stop() override {}
  bool InLoopThread() const override { return true; }

  // Runs posted tasks and due timers until there are none; returns how many ran.
  size_t RunPending() {
    size_t ran = 0;
    for (;;) {
      std::function<void()> fn = TakePosted();
      if (!fn) fn = TakeDue(clock_.Now());
      if (!fn) return ran;
      fn();
      ++ran;
    }
  }

  // Moves the clock forward by `d`, stopping at each timer's due time to run it (and what it
  // posts), so callbacks see the time they were due at.
  void Advance(Clock::Duration d) {
    const Clock::MonoTime target = clock_.Now() + d;
    RunPending();
    for (;;) {
      std::optional<Clock::MonoTime> next = NextDue();
      if (!next || *next > target) break;
      if (*next > clock_.Now()) clock_.Advance(*next - clock_.Now());
      RunPending();
    }
    if (target > clock_.Now()) clock_.Advance(target - clock_.Now());
    RunPending();
  }

  // Blocks (real time, up to `limit`) until a task has been posted and not yet run: for
  // work that other threads finish.
  bool WaitForPost(std::chrono::milliseconds limit) {
    std::unique_lock lock(mu_);
    return posted_cv_.wait_for(lock, limit, [this] { return !posted_.empty(); });
  }

  size_t timer_count() const {
    std::lock_guard lock(mu_);
    return timers_.size();
  }

 private:
  struct Timer {
    Clock::MonoTime due;
    std::optional<Clock::Duration> repeat;
    std::function<void()> fn;
  };

  TimerId Add(Clock::Duration delay, std::optional<Clock::Duration> repeat,
              std::function<void()> fn) {
    std::lock_guard lock(mu_);
    TimerId id = next_id_++;
    timers_[id] = Timer{clock_.Now() + delay, repeat, std::move(fn)};
    return id;
  }

  std::function<void()> TakePosted() {
    std::lock_guard lock(mu_);
    if (posted_.empty()) return nullptr;
    std::function<void()> fn = std::move(posted_.front());
    posted_.pop_front();
    return fn;
  }

  // The earliest due timer (ties: the first added); a repeating one is re-armed.
  std::function<void()> TakeDue(Clock::MonoTime now) {
    std::lock_guard lock(mu_);
    auto best = timers_.end();
    for (auto it = timers_.begin(); it != timers_.end(); ++it) {
      if (it->second.due <= now && (best == timers_.end() || it->second.due < best->second.due)) {
        best = it;
      }
    }
    if (best == timers_.end()) return nullptr;
    if (best->second.repeat) {
      best->second.due += *best->second.repeat;
      return best->second.fn;
    }
    std::function<void()> fn = std::move(best->second.fn);
    timers_.erase(best);
    return fn;
  }

  std::optional<Clock::MonoTime> NextDue() const {
    std::lock_guard lock(mu_);
    std::optional<Clock::MonoTime> next;
    for (const auto& [id, t] : timers_) {
      if (!next || t.due < *next) next = t.due;
    }
    return next;
  }

  FakeClock& clock_;
  mutable std::mutex mu_;
  std::condition_variable posted_cv_;
  std::deque<std::function<void()>> posted_;
  std::map<TimerId, Timer> timers_;
  TimerId next_id_ = 1;
};

}  // namespace sampan::testing
