#pragma once
// Dispatcher: the event loop owned by one component (DESIGN.md "How it runs"). Callbacks run
// one at a time on the loop thread, so a component's state needs no locks if it is touched
// only from its own callbacks.
//
// Threading: every method may be called from any thread. Off the loop thread, timer and fd
// calls are marshalled onto the loop with Post(); the ids they return are valid at once, and
// calls made from one thread take effect in the order they were made. "The loop thread" is
// the thread inside Run(); while nobody is in Run(), every caller is "off" the loop thread
// and work waits in the queue until Run() starts.
//
// Ownership: the dispatcher owns its handles and the callbacks it was given; destroying it
// releases them without running them. It must not be destroyed while Run() is active, and
// nothing may call it during or after its destruction.

#include <chrono>
#include <cstdint>
#include <functional>

namespace sampan {

class Dispatcher {
 public:
  // Ids are never 0, so 0 can mean "none". Cancelling an unknown or finished id is a no-op.
  using TimerId = std::uint64_t;
  using FdWatchId = std::uint64_t;

  // Bits of the `events` argument of a WatchFd callback. A hang-up is reported as readable
  // (a read then returns 0). kError means polling failed (a regular file, a closed fd, an
  // error condition on the fd) and the watch is dead: unwatch it.
  static constexpr int kReadable = 1;
  static constexpr int kWritable = 2;
  static constexpr int kError = 4;

  virtual ~Dispatcher() = default;

  // Runs `fn` on the loop thread, after everything posted before it from the same thread.
  // Never runs it inline, even when called on the loop thread.
  virtual void Post(std::function<void()> fn) = 0;

  // Runs `fn` once, `delay` from now, rounded up to whole milliseconds (libuv's resolution).
  virtual TimerId AddTimer(std::chrono::nanoseconds delay, std::function<void()> fn) = 0;
  // Runs `fn` every `interval` (at least 1 ms) until cancelled; the first run is after one
  // interval. A callback may cancel its own timer.
  virtual TimerId AddRepeatingTimer(std::chrono::nanoseconds interval,
                                    std::function<void()> fn) = 0;
  // After CancelTimer returns on the loop thread the callback will not run again; from
  // another thread a callback already running or about to run may still complete.
  virtual void CancelTimer(TimerId id) = 0;

  // Calls `fn(events)` on the loop thread while `fd` is readable and/or writable (level-
  // triggered). At most one watch per fd. The caller keeps owning the fd and may close it
  // once UnwatchFd has taken effect: at once on the loop thread, otherwise after it is
  // processed (e.g. in a task posted after UnwatchFd).
  virtual FdWatchId WatchFd(int fd, bool readable, bool writable,
                            std::function<void(int events)> fn) = 0;
  virtual void UnwatchFd(FdWatchId id) = 0;

  // Runs callbacks until Stop(). One thread at a time, never from inside a callback; Run()
  // may be called again after it returned. A Stop() issued before Run() makes it return
  // promptly.
  virtual void Run() = 0;
  // Makes Run() return soon: on the loop thread once the current loop iteration ends (work
  // already due in it may still run), from another thread once the loop wakes up. Posted
  // tasks not yet run stay queued for the next Run(), or are dropped with the dispatcher.
  virtual void Stop() = 0;
  virtual bool InLoopThread() const = 0;
};

}  // namespace sampan
