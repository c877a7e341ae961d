#pragma once
// WorkerPool: a few threads that run blocking tasks (probe attempts) in submission order,
// so the kubelet's event loops never block on a socket or a command. Tasks still queued at
// destruction are dropped, not run; the destructor waits for running tasks to finish.
//
// Threading: Submit may be called from any thread.

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace sampan::kubelet::prober {

class WorkerPool {
 public:
  // `name` (up to 15 characters) names the threads for top and gdb.
  WorkerPool(int threads, std::string name);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void Submit(std::function<void()> task);

 private:
  void Loop();

  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;  // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace sampan::kubelet::prober
