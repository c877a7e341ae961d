#include "storage/watch_hub.h"

#include <algorithm>
#include <atomic>
#include <iterator>

namespace sampan::storage {

class WatchHub::Watcher {
 public:
  Watcher(std::string prefix, int64_t after, WatchCallback callback)
      : prefix_(std::move(prefix)), after_(after), callback_(std::move(callback)) {}

  bool cancelled() const { return cancelled_.load(); }
  void set_live() { live_ = true; }

  // From Publish (hub lock held): buffer while catching up, else deliver now.
  void Offer(const std::vector<EventPtr>& events) {
    auto wanted = [&](const EventPtr& e) {
      return e->kv.mod_revision > after_ && e->kv.key.starts_with(prefix_);
    };
    size_t count = std::count_if(events.begin(), events.end(), wanted);
    if (count == 0) return;
    // Usually the watcher wants the whole commit (one event): passed on without a copy.
    std::vector<EventPtr> some;
    if (count < events.size())
      std::copy_if(events.begin(), events.end(), std::back_inserter(some), wanted);
    const std::vector<EventPtr>& matching = count < events.size() ? some : events;
    {
      std::lock_guard<std::mutex> lock(state_mu_);
      if (!live_) {
        buffer_.insert(buffer_.end(), matching.begin(), matching.end());
        return;
      }
    }
    Deliver(matching);
  }

  void Deliver(const std::vector<EventPtr>& events) {
    std::lock_guard<std::mutex> lock(callback_mu_);
    if (cancelled_.load() || !callback_) return;
    delivering_thread_.store(std::this_thread::get_id());
    callback_(events);
    delivering_thread_.store(std::thread::id());
  }

  // Ends the catch-up: flushes events buffered meanwhile, then switches to live delivery.
  // Live delivery starts only after the last buffered batch was delivered, so order holds.
  void GoLive() {
    for (;;) {
      std::vector<EventPtr> pending;
      {
        std::lock_guard<std::mutex> lock(state_mu_);
        if (buffer_.empty()) {
          live_ = true;
          return;
        }
        pending.swap(buffer_);
      }
      Deliver(pending);
    }
  }

  // After this returns no callback is running or will run, except when called from inside
  // this watcher's own callback (then the current callback finishes normally).
  void Cancel() {
    cancelled_.store(true);
    if (delivering_thread_.load() == std::this_thread::get_id()) return;
    std::lock_guard<std::mutex> lock(callback_mu_);
    callback_ = nullptr;  // release whatever the callback holds
  }

 private:
  const std::string prefix_;
  const int64_t after_;  // events at or below this revision are not for this watcher
  std::atomic<bool> cancelled_{false};
  std::atomic<std::thread::id> delivering_thread_{};

  std::mutex state_mu_;
  bool live_ = false;
  std::vector<EventPtr> buffer_;

  std::mutex callback_mu_;
  WatchCallback callback_;
};

class WatchHub::Handle final : public Watch {
 public:
  explicit Handle(std::shared_ptr<Watcher> watcher) : watcher_(std::move(watcher)) {}
  ~Handle() override { Cancel(); }
  void Cancel() override { watcher_->Cancel(); }

 private:
  std::shared_ptr<Watcher> watcher_;
};

void WatchHub::Publish(const std::vector<EventPtr>& events, int64_t revision) {
  std::lock_guard<std::mutex> lock(mu_);
  revision_ = revision;
  // Cancelled watchers are dropped here rather than in Cancel(), so that a callback may
  // cancel a watch without deadlocking on mu_.
  std::erase_if(watchers_, [](const auto& w) { return w->cancelled(); });
  for (const auto& w : watchers_) w->Offer(events);
}

Result<std::unique_ptr<Watch>> WatchHub::Register(const std::string& prefix, int64_t after_revision,
                                                  WatchCallback callback,
                                                  const HistoryReader& history) {
  std::shared_ptr<Watcher> watcher;
  int64_t upto;
  bool catch_up;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::erase_if(watchers_, [](const auto& w) { return w->cancelled(); });
    upto = revision_;
    catch_up = after_revision != 0 && after_revision < upto;
    int64_t after = after_revision == 0 ? upto : after_revision;
    watcher = std::make_shared<Watcher>(prefix, after, std::move(callback));
    if (!catch_up) watcher->set_live();
    watchers_.push_back(watcher);
  }
  if (catch_up) {
    Status st = history(prefix, after_revision, upto,
                        [&](std::vector<EventPtr> batch) { watcher->Deliver(batch); });
    if (!st.ok()) {
      watcher->Cancel();
      return st;
    }
    watcher->GoLive();
  }
  return std::unique_ptr<Watch>(new Handle(std::move(watcher)));
}

size_t WatchHub::WatcherCount() {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = 0;
  for (const auto& w : watchers_) n += w->cancelled() ? 0 : 1;
  return n;
}

}  // namespace sampan::storage
