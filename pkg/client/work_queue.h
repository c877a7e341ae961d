#pragma once
// WorkQueue: the queue between a controller's event handlers and its workers, with the
// semantics of upstream's rate-limited work queue: a key queued several times is processed
// once; a key is never handed to two workers at once (queued again while being processed,
// it is handed out again after Done()); failed keys come back after a per-key exponential
// backoff (5 ms doubling to 1000 s) until Forget().
//
// Threading: every method may be called from any thread. Delays follow the Clock: with a
// FakeClock, delayed keys become ready when the test advances it (use TryGet()).

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "pkg/util/clock.h"

namespace sampan::client {

class WorkQueue {
 public:
  explicit WorkQueue(const Clock& clock = RealClock::Get());

  void Add(const std::string& key);
  void AddAfter(const std::string& key, Clock::Duration delay);
  // Adds after the key's next backoff delay.
  void AddRateLimited(const std::string& key);
  // The key succeeded: its backoff starts over.
  void Forget(const std::string& key);
  int NumRequeues(const std::string& key) const;

  // Blocks until a key is ready or the queue is shut down (nullopt). Call Done(key) after
  // processing it.
  std::optional<std::string> Get();
  // A ready key, or nullopt at once.
  std::optional<std::string> TryGet();
  void Done(const std::string& key);
  // Wakes every Get(); later Adds are ignored.
  void ShutDown();
  // Keys waiting (ready, not in progress).
  size_t Len() const;

 private:
  void AddLocked(const std::string& key);
  void PromoteDueLocked();
  std::optional<std::string> PopLocked();

  const Clock& clock_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  std::set<std::string> dirty_;       // queued (or to be re-queued after Done)
  std::set<std::string> processing_;  // handed out, not Done yet
  std::multimap<Clock::MonoTime, std::string> delayed_;
  std::map<std::string, int> failures_;
  bool shut_down_ = false;
};

}  // namespace sampan::client
