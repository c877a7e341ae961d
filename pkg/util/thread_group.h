#pragma once
// ThreadGroup: threads for long-lived work that must not hold a server's worker (a followed
// log, an exec session). Spawn() starts one; threads that have finished are joined on the
// next Spawn(); JoinAll() waits for the rest (the owner first makes them end, e.g. by
// cancelling their connections). Thread-safe.

#include <atomic>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <thread>

namespace sampan {

class ThreadGroup {
 public:
  ThreadGroup() = default;
  ~ThreadGroup() { JoinAll(); }
  ThreadGroup(const ThreadGroup&) = delete;
  ThreadGroup& operator=(const ThreadGroup&) = delete;

  void Spawn(std::function<void()> fn) {
    std::list<Entry> finished;
    {
      std::lock_guard lock(mu_);
      for (auto it = threads_.begin(); it != threads_.end();) {
        auto next = std::next(it);
        if (it->done->load()) finished.splice(finished.end(), threads_, it);
        it = next;
      }
      auto done = std::make_shared<std::atomic<bool>>(false);
      threads_.push_back(Entry{std::thread([fn = std::move(fn), done] {
                                 fn();
                                 done->store(true);
                               }),
                               done});
    }
    for (Entry& e : finished) e.thread.join();
  }

  void JoinAll() {
    std::list<Entry> all;
    {
      std::lock_guard lock(mu_);
      all.swap(threads_);
    }
    for (Entry& e : all) e.thread.join();
  }

 private:
  struct Entry {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::mutex mu_;
  std::list<Entry> threads_;
};

}  // namespace sampan
