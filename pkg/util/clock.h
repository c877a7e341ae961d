#pragma once
// Clock: the seam for time. Components take a Clock& so tests can use FakeClock
// (test/fakes/fake_clock.h) and never sleep. Implementations are thread-safe.

#include <chrono>

namespace sampan {

class Clock {
 public:
  using Duration = std::chrono::nanoseconds;
  using MonoTime = std::chrono::steady_clock::time_point;
  using WallTime = std::chrono::system_clock::time_point;

  virtual ~Clock() = default;
  // Monotonic time for intervals, deadlines and ages.
  virtual MonoTime Now() const = 0;
  // Wall-clock time for timestamps shown to users (creationTimestamp, log lines).
  virtual WallTime WallNow() const = 0;
};

// The process-wide real clock.
class RealClock final : public Clock {
 public:
  MonoTime Now() const override { return std::chrono::steady_clock::now(); }
  WallTime WallNow() const override { return std::chrono::system_clock::now(); }
  static RealClock& Get();
};

}  // namespace sampan
