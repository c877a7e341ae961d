#include "pkg/util/libuv_dispatcher.h"

#include <pthread.h>
#include <uv.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iterator>

namespace sampan {

struct LibuvDispatcher::Timer {
  uv_timer_t handle;
  LibuvDispatcher* owner;
  TimerId id;
  bool repeating;
  std::function<void()> fn;
};

struct LibuvDispatcher::Watch {
  uv_poll_t handle;
  bool open = false;  // handle initialized: it must be uv_close'd, not just deleted
  std::function<void(int)> fn;
};

namespace {

// Only fd exhaustion makes libuv's set-up fail; a component without its loop cannot work.
void CheckUv(int rc, const char* what) {
  if (rc == 0) return;
  std::fprintf(stderr, "fatal: %s: %s\n", what, uv_strerror(rc));
  std::abort();
}

// Rounds up: a timer never fires before its delay.
uint64_t CeilMillis(std::chrono::nanoseconds d) {
  if (d.count() <= 0) return 0;
  return static_cast<uint64_t>((d.count() + 999'999) / 1'000'000);
}

uv_handle_t* AsHandle(void* h) { return static_cast<uv_handle_t*>(h); }

}  // namespace

LibuvDispatcher::LibuvDispatcher() : loop_(new uv_loop_t), wakeup_(new uv_async_t) {
  CheckUv(uv_loop_init(loop_), "uv_loop_init");
  wakeup_->data = this;
  auto on_wakeup = [](uv_async_t* h) { static_cast<LibuvDispatcher*>(h->data)->RunPosted(); };
  CheckUv(uv_async_init(loop_, wakeup_, on_wakeup), "uv_async_init");
}

LibuvDispatcher::~LibuvDispatcher() {
  for (auto& [id, timer] : timers_) Close(timer.release());
  timers_.clear();
  for (auto& [id, watch] : watches_) Close(watch.release());
  watches_.clear();
  uv_close(AsHandle(wakeup_), nullptr);
  // With every handle closing, this only runs the close callbacks (which free the state).
  uv_run(loop_, UV_RUN_DEFAULT);
  CheckUv(uv_loop_close(loop_), "uv_loop_close");
  delete wakeup_;
  delete loop_;
}

void LibuvDispatcher::Post(std::function<void()> fn) {
  bool wake;
  {
    std::lock_guard lock(mu_);
    // A non-empty queue already has a wake-up on its way.
    wake = queue_.empty();
    queue_.push_back(std::move(fn));
  }
  if (wake) uv_async_send(wakeup_);
}

void LibuvDispatcher::RunPosted() {
  std::vector<std::function<void()>> batch;
  {
    std::lock_guard lock(mu_);
    batch.swap(queue_);
  }
  size_t done = 0;
  while (done < batch.size() && !stop_requested_.load()) {
    auto task = std::move(batch[done++]);  // destroyed (captures released) right after it ran
    task();
  }
  if (done < batch.size()) {
    // Stopped mid-batch: keep the rest, in order, ahead of anything posted since.
    {
      std::lock_guard lock(mu_);
      queue_.insert(queue_.begin(), std::make_move_iterator(batch.begin() + done),
                    std::make_move_iterator(batch.end()));
    }
    uv_async_send(wakeup_);
  }
  if (stop_requested_.load()) uv_stop(loop_);
}

void LibuvDispatcher::AddPending(std::uint64_t id) {
  std::lock_guard lock(mu_);
  pending_.insert(id);
}

bool LibuvDispatcher::TakePending(std::uint64_t id) {
  std::lock_guard lock(mu_);
  return pending_.erase(id) > 0;
}

// --- timers -----------------------------------------------------------------

Dispatcher::TimerId LibuvDispatcher::AddTimer(std::chrono::nanoseconds delay,
                                              std::function<void()> fn) {
  return NewTimer(delay, false, std::move(fn));
}

Dispatcher::TimerId LibuvDispatcher::AddRepeatingTimer(std::chrono::nanoseconds interval,
                                                       std::function<void()> fn) {
  return NewTimer(interval, true, std::move(fn));
}

Dispatcher::TimerId LibuvDispatcher::NewTimer(std::chrono::nanoseconds delay, bool repeating,
                                              std::function<void()> fn) {
  TimerId id = next_id_.fetch_add(1);
  if (InLoopThread()) {
    StartTimer(id, delay, repeating, std::move(fn));
    return id;
  }
  AddPending(id);
  Post([this, id, delay, repeating, fn = std::move(fn)]() mutable {
    if (TakePending(id)) StartTimer(id, delay, repeating, std::move(fn));
  });
  return id;
}

void LibuvDispatcher::CancelTimer(TimerId id) {
  if (id == 0) return;
  if (TakePending(id)) return;  // its start task will now do nothing
  if (InLoopThread()) {
    StopTimer(id);
  } else {
    Post([this, id] { StopTimer(id); });
  }
}

void LibuvDispatcher::StartTimer(TimerId id, std::chrono::nanoseconds delay, bool repeating,
                                 std::function<void()> fn) {
  auto timer = std::make_unique<Timer>();
  timer->owner = this;
  timer->id = id;
  timer->repeating = repeating;
  timer->fn = std::move(fn);
  uv_timer_init(loop_, &timer->handle);
  timer->handle.data = timer.get();
  uint64_t ms = CeilMillis(delay);
  if (repeating) ms = std::max<uint64_t>(ms, 1);  // a repeat of 0 would mean "one-shot"
  // The loop's cached time may lag behind after a long callback; refresh it so the timer
  // does not fire early.
  uv_update_time(loop_);
  uv_timer_start(
      &timer->handle,
      [](uv_timer_t* h) {
        auto* t = static_cast<Timer*>(h->data);
        t->owner->OnTimer(t);
      },
      ms, repeating ? ms : 0);
  timers_.emplace(id, std::move(timer));
}

void LibuvDispatcher::OnTimer(Timer* timer) {
  if (!timer->repeating) {
    // Forget a one-shot timer before calling it, so cancelling it from its own callback is a
    // no-op; the close callback frees it only after this callback returns.
    auto it = timers_.find(timer->id);
    if (it != timers_.end()) {
      Close(it->second.release());
      timers_.erase(it);
    }
  }
  timer->fn();
}

void LibuvDispatcher::StopTimer(TimerId id) {
  auto it = timers_.find(id);
  if (it == timers_.end()) return;  // already fired or cancelled
  Close(it->second.release());
  timers_.erase(it);
}

void LibuvDispatcher::Close(Timer* timer) {
  uv_close(AsHandle(&timer->handle), [](uv_handle_t* h) { delete static_cast<Timer*>(h->data); });
}

// --- fd watches -------------------------------------------------------------

Dispatcher::FdWatchId LibuvDispatcher::WatchFd(int fd, bool readable, bool writable,
                                               std::function<void(int events)> fn) {
  FdWatchId id = next_id_.fetch_add(1);
  int uv_events = (readable ? UV_READABLE : 0) | (writable ? UV_WRITABLE : 0);
  if (InLoopThread()) {
    StartWatch(id, fd, uv_events, std::move(fn));
    return id;
  }
  AddPending(id);
  Post([this, id, fd, uv_events, fn = std::move(fn)]() mutable {
    if (TakePending(id)) StartWatch(id, fd, uv_events, std::move(fn));
  });
  return id;
}

void LibuvDispatcher::UnwatchFd(FdWatchId id) {
  if (id == 0) return;
  if (TakePending(id)) return;
  if (InLoopThread()) {
    StopWatch(id);
  } else {
    Post([this, id] { StopWatch(id); });
  }
}

void LibuvDispatcher::StartWatch(FdWatchId id, int fd, int uv_events, std::function<void(int)> fn) {
  auto watch = std::make_unique<Watch>();
  watch->fn = std::move(fn);
  int rc = uv_poll_init(loop_, &watch->handle, fd);
  if (rc == 0) {
    watch->open = true;
    watch->handle.data = watch.get();
    rc = uv_poll_start(&watch->handle, uv_events, [](uv_poll_t* h, int status, int events) {
      int ev = 0;
      if (status < 0) ev |= kError;  // libuv has stopped polling this handle
      if (events & UV_READABLE) ev |= kReadable;
      if (events & UV_WRITABLE) ev |= kWritable;
      static_cast<Watch*>(h->data)->fn(ev);
    });
  }
  watches_.emplace(id, std::move(watch));
  if (rc != 0) {
    // Report the failure like any other poll error: asynchronously, unless unwatched first.
    Post([this, id] {
      auto it = watches_.find(id);
      if (it == watches_.end()) return;
      auto fn = it->second->fn;  // a copy: the callback may unwatch, which frees the Watch
      fn(kError);
    });
  }
}

void LibuvDispatcher::StopWatch(FdWatchId id) {
  auto it = watches_.find(id);
  if (it == watches_.end()) return;
  Close(it->second.release());
  watches_.erase(it);
}

void LibuvDispatcher::Close(Watch* watch) {
  if (!watch->open) {
    delete watch;
    return;
  }
  // Closing stops polling at once (the fd leaves epoll), so the caller may close the fd.
  uv_close(AsHandle(&watch->handle), [](uv_handle_t* h) { delete static_cast<Watch*>(h->data); });
}

// --- running ----------------------------------------------------------------

void LibuvDispatcher::Run() {
  loop_thread_.store(std::this_thread::get_id());
  // The wake-up handle is always active, so uv_run returns only through uv_stop.
  uv_run(loop_, UV_RUN_DEFAULT);
  stop_requested_.store(false);
  loop_thread_.store(std::thread::id());
}

void LibuvDispatcher::Stop() {
  stop_requested_.store(true);
  if (InLoopThread()) {
    uv_stop(loop_);
  } else {
    uv_async_send(wakeup_);  // RunPosted sees the flag and stops the loop
  }
}

bool LibuvDispatcher::InLoopThread() const {
  return loop_thread_.load() == std::this_thread::get_id();
}

// --- DispatcherThread -------------------------------------------------------

DispatcherThread::DispatcherThread(std::string name) : name_(std::move(name)) {}

DispatcherThread::~DispatcherThread() { Stop(); }

void DispatcherThread::Start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), name_.substr(0, 15).c_str());
    dispatcher_.Run();
  });
}

void DispatcherThread::Stop() {
  if (!thread_.joinable()) return;
  dispatcher_.Stop();
  thread_.join();
}

}  // namespace sampan
