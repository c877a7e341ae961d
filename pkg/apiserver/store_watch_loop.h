#pragma once
// StoreWatchLoop: one thread that runs a pass over some stored collection whenever keys
// under a store prefix change, and again `period` after a pass that reports work left (a
// namespace whose pods are still terminating, a CRD whose objects carry finalizers). A pass
// runs at start. Changes coalesce: any number of events while a pass runs make one more
// pass. Work left alone never makes the loop spin: until the period is over, only a real
// change under the prefix wakes it.
//
// Threading: the pass runs on the loop's own thread, never two at once. The period follows
// the Clock (with a FakeClock, it is over when the test advances the clock). Stop() (or the
// destructor) returns once no pass is running or will run.

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "pkg/util/clock.h"
#include "storage/store.h"

namespace sampan::apiserver {

class StoreWatchLoop {
 public:
  // Returns true while work remains (the loop runs it again after the period).
  using Pass = std::function<bool()>;

  struct Options {
    Clock::Duration period = std::chrono::seconds(1);
    const Clock* clock = &RealClock::Get();
  };

  static Result<std::unique_ptr<StoreWatchLoop>> Start(storage::Store& store,
                                                       const std::string& prefix, Pass pass,
                                                       Options options);
  ~StoreWatchLoop();
  StoreWatchLoop(const StoreWatchLoop&) = delete;
  StoreWatchLoop& operator=(const StoreWatchLoop&) = delete;

  void Stop();

  // Passes run so far, and wake-ups of the thread that ran none (it looks at the clock at
  // least every 50 ms while a period runs): what tests observe.
  int64_t passes() const;
  int64_t idle_wakeups() const;

 private:
  StoreWatchLoop(Pass pass, Options options) : pass_(std::move(pass)), options_(options) {}
  void Run();

  Pass pass_;
  Options options_;
  std::unique_ptr<storage::Watch> watch_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool changed_ = true;  // a change under the prefix since the last pass began
  bool stop_ = false;
  std::optional<Clock::MonoTime> recheck_at_;  // set while work remains
  int64_t passes_ = 0;
  int64_t idle_wakeups_ = 0;
  std::thread thread_;
};

}  // namespace sampan::apiserver
