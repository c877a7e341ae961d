#pragma once
// The shape every controller shares (DESIGN.md convention 5): informer handlers enqueue
// keys; worker threads take a key, call Sync(key), and requeue it with backoff when Sync
// fails. A key is never synced by two workers at once.

#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "pkg/client/work_queue.h"
#include "pkg/util/clock.h"
#include "pkg/util/log.h"
#include "pkg/util/status.h"

namespace sampan::controllers {

class Runner {
 public:
  using SyncFn = std::function<Status(const std::string& key)>;
  // `clock` times the queue's delays (AddAfter, backoff); it must outlive the runner.
  Runner(std::string name, SyncFn sync, int workers = 1, const Clock& clock = RealClock::Get());
  ~Runner();  // Stop()

  client::WorkQueue& queue() { return queue_; }
  void Start();
  // Shuts the queue down and joins the workers.
  void Stop();

 private:
  void Work();

  const std::string name_;
  SyncFn sync_;
  const int workers_;
  client::WorkQueue queue_;
  std::vector<std::thread> threads_;
};

}  // namespace sampan::controllers
