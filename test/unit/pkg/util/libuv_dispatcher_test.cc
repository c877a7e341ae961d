#include "pkg/util/libuv_dispatcher.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <future>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace sampan {
namespace {

using namespace std::chrono_literals;

// How long a test waits for something that should happen at once; only a bug reaches it.
constexpr auto kDeadline = 10s;

// Runs `d` on this thread until something calls Stop(). A watchdog stops it (and fails the
// test) if that never happens, so a bug cannot hang the suite.
void RunUntilStopped(LibuvDispatcher& d) {
  auto active = std::make_shared<bool>(true);
  d.AddTimer(kDeadline, [&d, active] {
    if (!*active) return;
    ADD_FAILURE() << "Run() was not stopped within the deadline";
    d.Stop();
  });
  d.Run();
  *active = false;
}

// Returns once everything posted before the call has run and the loop iteration that ran it
// has ended, so handles closed by those tasks have been freed.
bool Drain(Dispatcher& d) {
  auto done = std::make_shared<std::promise<void>>();
  d.Post([&d, done] { d.Post([done] { done->set_value(); }); });
  return done->get_future().wait_for(kDeadline) == std::future_status::ready;
}

bool Wait(std::future<void>& f) { return f.wait_for(kDeadline) == std::future_status::ready; }

struct Pipe {
  Pipe() { EXPECT_EQ(pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0); }
  ~Pipe() {
    CloseRead();
    CloseWrite();
  }
  void CloseRead() {
    if (fds[0] >= 0) close(fds[0]);
    fds[0] = -1;
  }
  void CloseWrite() {
    if (fds[1] >= 0) close(fds[1]);
    fds[1] = -1;
  }
  void Write(std::string_view s) {
    EXPECT_EQ(write(fds[1], s.data(), s.size()), static_cast<ssize_t>(s.size()));
  }
  int fds[2] = {-1, -1};
};

// --- Post -------------------------------------------------------------------

TEST(DispatcherTest, PostFromManyThreadsRunsAllInOrderPerPoster) {
  constexpr int kPosters = 8;
  constexpr int kPerPoster = 2000;
  std::vector<std::vector<int>> seen(kPosters);  // touched only on the loop thread
  std::atomic<int> off_loop{0};
  std::promise<void> done;
  DispatcherThread thread("test-loop");
  Dispatcher& d = thread.dispatcher();
  thread.Start();

  std::vector<std::thread> posters;
  for (int p = 0; p < kPosters; ++p) {
    posters.emplace_back([&, p] {
      for (int i = 0; i < kPerPoster; ++i) {
        d.Post([&, p, i] {
          if (!d.InLoopThread()) off_loop.fetch_add(1);
          seen[p].push_back(i);
        });
      }
    });
  }
  for (auto& t : posters) t.join();
  // Posted after every poster finished, so it runs after all their tasks.
  d.Post([&] { done.set_value(); });
  auto f = done.get_future();
  ASSERT_TRUE(Wait(f));

  EXPECT_EQ(off_loop.load(), 0);
  for (int p = 0; p < kPosters; ++p) {
    ASSERT_EQ(seen[p].size(), static_cast<size_t>(kPerPoster)) << "poster " << p;
    for (int i = 0; i < kPerPoster; ++i) ASSERT_EQ(seen[p][i], i) << "poster " << p;
  }
}

TEST(DispatcherTest, PostNeverRunsInline) {
  LibuvDispatcher d;
  std::vector<int> order;
  d.Post([&] {
    d.Post([&] {
      order.push_back(2);
      d.Stop();
    });
    order.push_back(1);
  });
  RunUntilStopped(d);
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
}

TEST(DispatcherTest, InLoopThreadOnlyInsideRun) {
  LibuvDispatcher d;
  EXPECT_FALSE(d.InLoopThread());
  bool inside = false;
  d.Post([&] {
    inside = d.InLoopThread();
    d.Stop();
  });
  RunUntilStopped(d);
  EXPECT_TRUE(inside);
  EXPECT_FALSE(d.InLoopThread());
}

// --- timers -----------------------------------------------------------------

TEST(DispatcherTest, TimersFireInDueOrder) {
  LibuvDispatcher d;
  std::vector<std::string> fired;
  Dispatcher::TimerId a = d.AddTimer(0ms, [&] { fired.push_back("a"); });
  Dispatcher::TimerId b = d.AddTimer(2ms, [&] {
    fired.push_back("b");
    EXPECT_TRUE(d.InLoopThread());
    d.Stop();
  });
  EXPECT_NE(a, 0u);
  EXPECT_NE(b, 0u);
  EXPECT_NE(a, b);
  RunUntilStopped(d);
  EXPECT_EQ(fired, (std::vector<std::string>{"a", "b"}));
}

TEST(DispatcherTest, CancelBeforeRunPreventsFiring) {
  LibuvDispatcher d;
  bool ran = false;
  // Not in Run(): the timer is only queued, and cancelling must win over its start task.
  Dispatcher::TimerId id = d.AddTimer(0ms, [&] { ran = true; });
  d.CancelTimer(id);
  d.AddTimer(1ms, [&] { d.Stop(); });
  RunUntilStopped(d);
  EXPECT_FALSE(ran);
}

TEST(DispatcherTest, CancelOnLoopPreventsFiring) {
  LibuvDispatcher d;
  bool ran = false;
  d.Post([&] {
    Dispatcher::TimerId id = d.AddTimer(0ms, [&] { ran = true; });
    d.CancelTimer(id);
    d.CancelTimer(id);  // twice is harmless
    d.CancelTimer(0);   // so is "none"
    // Due after the cancelled timer would have been, so it would have run by then.
    d.AddTimer(1ms, [&] { d.Stop(); });
  });
  RunUntilStopped(d);
  EXPECT_FALSE(ran);
}

TEST(DispatcherTest, OneShotCancellingItselfIsHarmless) {
  LibuvDispatcher d;
  int runs = 0;
  Dispatcher::TimerId id = 0;
  id = d.AddTimer(0ms, [&] {
    ++runs;
    d.CancelTimer(id);
    d.Stop();
  });
  RunUntilStopped(d);
  EXPECT_EQ(runs, 1);
}

TEST(DispatcherTest, CancelFromAnotherThreadReleasesCallback) {
  auto token = std::make_shared<int>(0);
  DispatcherThread thread;
  Dispatcher& d = thread.dispatcher();
  thread.Start();
  Dispatcher::TimerId id = d.AddTimer(1h, [token] {});
  ASSERT_TRUE(Drain(d));  // the timer is now armed on the loop
  EXPECT_EQ(token.use_count(), 2);
  d.CancelTimer(id);
  ASSERT_TRUE(Drain(d));
  EXPECT_EQ(token.use_count(), 1);
}

TEST(DispatcherTest, TimerAddedFromAnotherThreadFires) {
  std::promise<void> fired;
  DispatcherThread thread;
  thread.Start();
  thread.dispatcher().AddTimer(1ms, [&] { fired.set_value(); });
  auto f = fired.get_future();
  EXPECT_TRUE(Wait(f));
}

TEST(DispatcherTest, RepeatingTimerRunsUntilCancelled) {
  LibuvDispatcher d;
  int count = 0;
  Dispatcher::TimerId id = 0;
  id = d.AddRepeatingTimer(1ms, [&] {
    if (++count < 5) return;
    EXPECT_EQ(count, 5) << "ran after cancelling itself";
    d.CancelTimer(id);
    // Due after the next repetition would have been.
    d.AddTimer(5ms, [&] { d.Stop(); });
  });
  RunUntilStopped(d);
  EXPECT_EQ(count, 5);
}

TEST(DispatcherTest, RepeatingTimerWithZeroIntervalStillRepeats) {
  LibuvDispatcher d;
  int count = 0;
  d.AddRepeatingTimer(0ms, [&] {
    if (++count == 3) d.Stop();
  });
  RunUntilStopped(d);
  EXPECT_EQ(count, 3);
}

// --- fd watches -------------------------------------------------------------

TEST(DispatcherTest, WatchFdReportsReadableData) {
  Pipe pipe;
  LibuvDispatcher d;
  std::string got;
  Dispatcher::FdWatchId id = 0;
  id = d.WatchFd(pipe.fds[0], true, false, [&](int events) {
    EXPECT_EQ(events, Dispatcher::kReadable);
    char buf[64];
    ssize_t n = read(pipe.fds[0], buf, sizeof(buf));
    if (n > 0) got.append(buf, static_cast<size_t>(n));
    if (got == "hello") {
      d.UnwatchFd(id);
      d.Stop();
    }
  });
  EXPECT_NE(id, 0u);
  std::thread writer([&] {
    pipe.Write("hel");
    pipe.Write("lo");
  });
  RunUntilStopped(d);
  writer.join();
  EXPECT_EQ(got, "hello");
}

TEST(DispatcherTest, WatchFdReportsWritable) {
  Pipe pipe;
  LibuvDispatcher d;
  int seen = 0;
  Dispatcher::FdWatchId id = 0;
  id = d.WatchFd(pipe.fds[1], false, true, [&](int events) {
    seen = events;
    d.UnwatchFd(id);
    d.Stop();
  });
  RunUntilStopped(d);
  EXPECT_EQ(seen, Dispatcher::kWritable);
}

TEST(DispatcherTest, WatchFdReportsHangUpAsReadable) {
  Pipe pipe;
  pipe.CloseWrite();
  LibuvDispatcher d;
  ssize_t n = -1;
  Dispatcher::FdWatchId id = 0;
  id = d.WatchFd(pipe.fds[0], true, false, [&](int events) {
    EXPECT_TRUE(events & Dispatcher::kReadable);
    char c;
    n = read(pipe.fds[0], &c, 1);
    d.UnwatchFd(id);
    d.Stop();
  });
  RunUntilStopped(d);
  EXPECT_EQ(n, 0);  // end of file
}

TEST(DispatcherTest, WatchFdOnRegularFileReportsError) {
  FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  LibuvDispatcher d;
  int seen = 0;
  Dispatcher::FdWatchId id = 0;
  id = d.WatchFd(fileno(file), true, false, [&](int events) {
    seen = events;
    d.UnwatchFd(id);
    d.Stop();
  });
  RunUntilStopped(d);
  EXPECT_EQ(seen, Dispatcher::kError);
  std::fclose(file);
}

TEST(DispatcherTest, UnwatchFromAnotherThreadStopsCallbacks) {
  Pipe pipe;
  std::atomic<int> calls{0};
  std::promise<void> first;
  DispatcherThread thread;
  Dispatcher& d = thread.dispatcher();
  thread.Start();
  // Never drained, so the callback would run on every loop iteration until unwatched.
  Dispatcher::FdWatchId id = d.WatchFd(pipe.fds[0], true, false, [&](int) {
    if (calls.fetch_add(1) == 0) first.set_value();
  });
  pipe.Write("x");
  auto f = first.get_future();
  ASSERT_TRUE(Wait(f));
  d.UnwatchFd(id);
  ASSERT_TRUE(Drain(d));
  int after_unwatch = calls.load();
  ASSERT_TRUE(Drain(d));  // a few more loop iterations with the fd still readable
  ASSERT_TRUE(Drain(d));
  EXPECT_EQ(calls.load(), after_unwatch);
  pipe.CloseRead();  // safe: the unwatch has taken effect
}

// --- Run and Stop -----------------------------------------------------------

TEST(DispatcherTest, StopFromAnotherThread) {
  LibuvDispatcher d;
  std::promise<void> running;
  std::promise<void> returned;
  d.Post([&] { running.set_value(); });
  std::thread loop([&] {
    d.Run();
    returned.set_value();
  });
  auto r = running.get_future();
  ASSERT_TRUE(Wait(r));
  d.Stop();
  auto f = returned.get_future();
  EXPECT_TRUE(Wait(f));
  loop.join();
}

TEST(DispatcherTest, StopBeforeRunMakesRunReturnAndRunCanBeCalledAgain) {
  LibuvDispatcher d;
  d.Stop();
  d.Run();  // returns at once
  bool ran = false;
  d.Post([&] {
    ran = true;
    d.Stop();
  });
  RunUntilStopped(d);
  EXPECT_TRUE(ran);
}

TEST(DispatcherTest, StopInsideCallbackLeavesLaterTasksQueued) {
  LibuvDispatcher d;
  std::vector<int> order;
  d.Post([&] { order.push_back(1); });
  d.Post([&] {
    order.push_back(2);
    d.Stop();
  });
  d.Post([&] {
    order.push_back(3);
    d.Stop();
  });
  RunUntilStopped(d);
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
  RunUntilStopped(d);
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST(DispatcherTest, DestructionWithPendingWorkReleasesCallbacksWithoutRunningThem) {
  auto token = std::make_shared<int>(0);
  std::atomic<bool> ran{false};
  Pipe pipe;
  pipe.Write("x");  // readable, but the loop never runs again to see it
  {
    LibuvDispatcher d;
    // Armed on the loop: started by one Run().
    d.AddTimer(1h, [token, &ran] { ran = true; });
    d.AddRepeatingTimer(1h, [token, &ran] { ran = true; });
    d.Post([&d] { d.Stop(); });
    RunUntilStopped(d);
    // Still queued when the dispatcher dies.
    d.AddTimer(0ms, [token, &ran] { ran = true; });
    d.WatchFd(pipe.fds[0], true, false, [token, &ran](int) { ran = true; });
    d.Post([token, &ran] { ran = true; });
    EXPECT_EQ(token.use_count(), 6);
  }
  EXPECT_FALSE(ran);
  EXPECT_EQ(token.use_count(), 1);
}

TEST(DispatcherTest, DestructionClosesActiveFdWatch) {
  auto token = std::make_shared<int>(0);
  Pipe pipe;
  {
    LibuvDispatcher d;
    d.WatchFd(pipe.fds[0], true, false, [token](int) {});
    d.Post([&d] { d.Stop(); });
    RunUntilStopped(d);
  }
  EXPECT_EQ(token.use_count(), 1);
  // The fd was left open and still works.
  pipe.Write("y");
  char c = 0;
  EXPECT_EQ(read(pipe.fds[0], &c, 1), 1);
}

// --- DispatcherThread -------------------------------------------------------

TEST(DispatcherThreadTest, WorkQueuedBeforeStartRunsOnTheThread) {
  std::promise<bool> in_loop;
  DispatcherThread thread("early");
  thread.dispatcher().Post([&] { in_loop.set_value(thread.dispatcher().InLoopThread()); });
  thread.Start();
  auto f = in_loop.get_future();
  ASSERT_EQ(f.wait_for(kDeadline), std::future_status::ready);
  EXPECT_TRUE(f.get());
}

TEST(DispatcherThreadTest, StopIsIdempotentAndThreadCanRestart) {
  std::promise<void> ran;
  DispatcherThread thread;
  thread.Stop();  // before Start: nothing to do
  thread.Start();
  thread.Start();  // already running: nothing to do
  thread.Stop();
  thread.Stop();
  thread.dispatcher().Post([&] { ran.set_value(); });
  thread.Start();
  auto f = ran.get_future();
  EXPECT_TRUE(Wait(f));
  // The destructor stops and joins.
}

}  // namespace
}  // namespace sampan
