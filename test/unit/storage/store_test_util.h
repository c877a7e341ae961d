#pragma once
// Helpers shared by the storage tests: temporary directories and a watch event collector
// that waits with a deadline instead of sleeping.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "storage/store.h"

namespace sampan::storage::testing {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/sampan-test-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

class EventCollector {
 public:
  WatchCallback Callback() {
    return [this](const std::vector<EventPtr>& events) {
      std::lock_guard<std::mutex> lock(mu_);
      events_.insert(events_.end(), events.begin(), events.end());
      ++batches_;
      cv_.notify_all();
    };
  }
  // Waits until at least n events arrived (or the deadline passed); returns a copy.
  std::vector<EventPtr> WaitFor(size_t n, std::chrono::seconds deadline = std::chrono::seconds(10)) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, deadline, [&] { return events_.size() >= n; });
    return events_;
  }
  std::vector<EventPtr> Events() {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<EventPtr> events_;
  int batches_ = 0;
};

// Polls `pred` until true or the deadline passes.
template <typename Pred>
bool Eventually(Pred pred, std::chrono::milliseconds deadline = std::chrono::seconds(10)) {
  auto end = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return pred();
}

}  // namespace sampan::storage::testing
