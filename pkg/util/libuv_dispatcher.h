#pragma once
// LibuvDispatcher: the Dispatcher over one private libuv loop. Posted tasks sit in a
// mutex-protected vector that the loop swaps out when a uv_async_t wakes it; timers are
// uv_timer_t and fd watches uv_poll_t. libuv itself is not thread-safe, so loop state is
// touched only on the loop thread (or in the destructor, when no Run() is active); the
// queue, the stop flag and the set of not-yet-started ids are the only shared state.
//
// DispatcherThread: a LibuvDispatcher running on its own std::thread, for components that
// want a loop of their own. The destructor stops and joins it.

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "pkg/util/dispatcher.h"

struct uv_loop_s;
struct uv_async_s;

namespace sampan {

class LibuvDispatcher final : public Dispatcher {
 public:
  LibuvDispatcher();
  // Closes every handle, drops queued tasks and callbacks without running them.
  ~LibuvDispatcher() override;
  LibuvDispatcher(const LibuvDispatcher&) = delete;
  LibuvDispatcher& operator=(const LibuvDispatcher&) = delete;

  void Post(std::function<void()> fn) override;
  TimerId AddTimer(std::chrono::nanoseconds delay, std::function<void()> fn) override;
  TimerId AddRepeatingTimer(std::chrono::nanoseconds interval, std::function<void()> fn) override;
  void CancelTimer(TimerId id) override;
  FdWatchId WatchFd(int fd, bool readable, bool writable,
                    std::function<void(int events)> fn) override;
  void UnwatchFd(FdWatchId id) override;
  void Run() override;
  void Stop() override;
  bool InLoopThread() const override;

 private:
  // Heap-allocated state of one uv handle, freed by its close callback (defined in .cc).
  struct Timer;
  struct Watch;

  TimerId NewTimer(std::chrono::nanoseconds delay, bool repeating, std::function<void()> fn);
  // Loop-thread halves of the public calls.
  void StartTimer(TimerId id, std::chrono::nanoseconds delay, bool repeating,
                  std::function<void()> fn);
  void StopTimer(TimerId id);
  void StartWatch(FdWatchId id, int fd, int uv_events, std::function<void(int)> fn);
  void StopWatch(FdWatchId id);
  // Marks `id` as created off the loop thread and not started yet.
  void AddPending(std::uint64_t id);
  // Removes `id` from the pending set; false if it was not there (started, or cancelled).
  bool TakePending(std::uint64_t id);
  // The uv_async_t callback: runs queued tasks, then honours Stop().
  void RunPosted();
  void OnTimer(Timer* timer);
  // uv_close the handle; its state is deleted by the close callback, after the current one.
  static void Close(Timer* timer);
  static void Close(Watch* watch);

  uv_loop_s* loop_;
  uv_async_s* wakeup_;
  std::atomic<std::thread::id> loop_thread_{};
  std::atomic<bool> stop_requested_{false};
  std::atomic<std::uint64_t> next_id_{1};

  std::mutex mu_;
  std::vector<std::function<void()>> queue_;   // guarded by mu_
  std::unordered_set<std::uint64_t> pending_;  // guarded by mu_

  // Loop-thread only. Closing a handle moves its state to the close callback, so a
  // callback that cancels its own timer or watch keeps running on live memory.
  std::unordered_map<TimerId, std::unique_ptr<Timer>> timers_;
  std::unordered_map<FdWatchId, std::unique_ptr<Watch>> watches_;
};

class DispatcherThread {
 public:
  // `name` (up to 15 characters) shows up in top, gdb and /proc.
  explicit DispatcherThread(std::string name = "dispatcher");
  ~DispatcherThread();  // Stop()
  DispatcherThread(const DispatcherThread&) = delete;
  DispatcherThread& operator=(const DispatcherThread&) = delete;

  // Starts the thread; calls before Start() are queued and run once it is up.
  void Start();
  // Stops the loop and joins the thread. Idempotent; must not be called from the loop.
  void Stop();

  Dispatcher& dispatcher() { return dispatcher_; }

 private:
  std::string name_;
  LibuvDispatcher dispatcher_;
  std::thread thread_;
};

}  // namespace sampan
