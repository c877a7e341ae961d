#include "pkg/client/work_queue.h"

#include <algorithm>

namespace sampan::client {
namespace {

constexpr std::chrono::milliseconds kBaseDelay{5};
constexpr std::chrono::seconds kMaxDelay{1000};

}  // namespace

WorkQueue::WorkQueue(const Clock& clock) : clock_(clock) {}

void WorkQueue::AddLocked(const std::string& key) {
  if (shut_down_ || dirty_.count(key)) return;
  dirty_.insert(key);
  if (processing_.count(key)) return;  // handed out again after Done()
  queue_.push_back(key);
  cv_.notify_one();
}

void WorkQueue::Add(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  AddLocked(key);
}

void WorkQueue::AddAfter(const std::string& key, Clock::Duration delay) {
  std::lock_guard<std::mutex> lock(mu_);
  if (shut_down_) return;
  if (delay <= Clock::Duration::zero()) return AddLocked(key);
  delayed_.emplace(clock_.Now() + delay, key);
  cv_.notify_all();  // a waiting Get() must wake up for the earlier deadline
}

void WorkQueue::AddRateLimited(const std::string& key) {
  Clock::Duration delay;
  {
    std::lock_guard<std::mutex> lock(mu_);
    int n = failures_[key]++;
    auto d = kBaseDelay * (int64_t{1} << std::min(n, 30));
    delay = std::min<Clock::Duration>(d, kMaxDelay);
  }
  AddAfter(key, delay);
}

void WorkQueue::Forget(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  failures_.erase(key);
}

int WorkQueue::NumRequeues(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

void WorkQueue::PromoteDueLocked() {
  Clock::MonoTime now = clock_.Now();
  while (!delayed_.empty() && delayed_.begin()->first <= now) {
    std::string key = delayed_.begin()->second;
    delayed_.erase(delayed_.begin());
    AddLocked(key);
  }
}

std::optional<std::string> WorkQueue::PopLocked() {
  if (queue_.empty()) return std::nullopt;
  std::string key = std::move(queue_.front());
  queue_.pop_front();
  dirty_.erase(key);
  processing_.insert(key);
  return key;
}

std::optional<std::string> WorkQueue::Get() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    PromoteDueLocked();
    if (shut_down_) return std::nullopt;
    if (auto key = PopLocked()) return key;
    if (delayed_.empty()) {
      cv_.wait(lock);
    } else {
      // Wait in real time for the next deadline (a fake clock advances elsewhere; bound
      // the wait so that such a clock is noticed too).
      auto until = delayed_.begin()->first - clock_.Now();
      cv_.wait_for(lock, std::min<Clock::Duration>(until, std::chrono::milliseconds(50)));
    }
  }
}

std::optional<std::string> WorkQueue::TryGet() {
  std::lock_guard<std::mutex> lock(mu_);
  PromoteDueLocked();
  if (shut_down_) return std::nullopt;
  return PopLocked();
}

void WorkQueue::Done(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  processing_.erase(key);
  if (dirty_.count(key)) {  // added while it was being processed
    queue_.push_back(key);
    cv_.notify_one();
  }
}

void WorkQueue::ShutDown() {
  std::lock_guard<std::mutex> lock(mu_);
  shut_down_ = true;
  cv_.notify_all();
}

size_t WorkQueue::Len() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

}  // namespace sampan::client
