#pragma once
// Per-key exponential back-off as the kubelet uses it for crash loops and image pulls
// (client-go flowcontrol.Backoff): a key is "in back-off" while less than its current delay
// has passed since the event (the container's exit, the failed pull); Next() starts a key at
// `initial` and doubles it up to `max`; a key untouched for 2*max starts over.
//
// Thread-safe.

#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "pkg/util/clock.h"

namespace sampan::kubelet {

class Backoff {
 public:
  Backoff(const Clock& clock, std::chrono::milliseconds initial, std::chrono::milliseconds max)
      : clock_(clock), initial_(initial), max_(max) {}

  // How long `key` must still wait when its event happened at `event` (zero: not waiting).
  std::chrono::milliseconds Remaining(const std::string& key, Clock::MonoTime event) const;
  // Records one more attempt: the delay grows.
  void Next(const std::string& key);
  // The current delay of `key` (zero if none).
  std::chrono::milliseconds Current(const std::string& key) const;
  void Forget(const std::string& key);
  // Drops keys starting with `prefix` (a pod's, when it is gone).
  void ForgetPrefix(const std::string& prefix);

 private:
  struct Entry {
    std::chrono::milliseconds delay{};
    Clock::MonoTime last_update{};
  };
  bool Expired(const Entry& e, Clock::MonoTime now) const { return now - e.last_update > 2 * max_; }

  const Clock& clock_;
  const std::chrono::milliseconds initial_;
  const std::chrono::milliseconds max_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_;
};

}  // namespace sampan::kubelet
