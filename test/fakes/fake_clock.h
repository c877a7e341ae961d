#pragma once
// FakeClock: time moves only when a test calls Advance(). Thread-safe.

#include <atomic>

#include "pkg/util/clock.h"

namespace sampan::testing {

class FakeClock final : public Clock {
 public:
  FakeClock() : mono_(0), wall_(1'800'000'000'000'000'000LL) {}

  MonoTime Now() const override { return MonoTime(Duration(mono_.load())); }
  WallTime WallNow() const override {
    return WallTime(std::chrono::duration_cast<WallTime::duration>(Duration(wall_.load())));
  }
  void Advance(Duration d) {
    mono_.fetch_add(d.count());
    wall_.fetch_add(d.count());
  }

 private:
  std::atomic<long long> mono_;
  std::atomic<long long> wall_;
};

}  // namespace sampan::testing
