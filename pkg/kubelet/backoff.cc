#include "pkg/kubelet/backoff.h"

#include <algorithm>

namespace sampan::kubelet {

std::chrono::milliseconds Backoff::Remaining(const std::string& key, Clock::MonoTime event) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return {};
  Clock::MonoTime now = clock_.Now();
  if (Expired(it->second, now)) return {};
  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(now - event);
  return elapsed < it->second.delay ? it->second.delay - elapsed : std::chrono::milliseconds{};
}

void Backoff::Next(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  Clock::MonoTime now = clock_.Now();
  auto [it, inserted] = entries_.try_emplace(key);
  Entry& e = it->second;
  if (inserted || Expired(e, now)) {
    e.delay = initial_;
  } else {
    e.delay = std::min(e.delay * 2, max_);
  }
  e.last_update = now;
}

std::chrono::milliseconds Backoff::Current(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(key);
  return it == entries_.end() ? std::chrono::milliseconds{} : it->second.delay;
}

void Backoff::Forget(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.erase(key);
}

void Backoff::ForgetPrefix(const std::string& prefix) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = entries_.lower_bound(prefix);
       it != entries_.end() && it->first.compare(0, prefix.size(), prefix) == 0;) {
    it = entries_.erase(it);
  }
}

}  // namespace sampan::kubelet
