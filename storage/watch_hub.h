#pragma once
// WatchHub: fans committed events out to watchers, in-process, right after commit.
//
// A watch that starts at an old revision first catches up from history (supplied by the
// store as a callback reading the database), while live events that arrive meanwhile are
// buffered; it then switches to live delivery. This gives every event exactly once, in
// revision order, with no gap between history and live events.
//
// Threading: Publish() is called by the single writer thread. Register() may be called
// from any thread. Callbacks of one watcher never run concurrently.

#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "storage/store.h"

namespace sampan::storage {

// Reads history: events for keys under prefix with after < revision <= upto, in order,
// passing them to `sink` in batches. kGone if `after` has been compacted.
using HistoryReader = std::function<Status(const std::string& prefix, int64_t after,
                                           int64_t upto,
                                           const std::function<void(std::vector<EventPtr>)>& sink)>;

class WatchHub : public std::enable_shared_from_this<WatchHub> {
 public:
  explicit WatchHub(int64_t revision) : revision_(revision) {}

  // Delivers one commit's events (all with revision <= `revision`) to matching watchers.
  void Publish(const std::vector<EventPtr>& events, int64_t revision);

  // after_revision 0 = from the latest published revision on.
  Result<std::unique_ptr<Watch>> Register(const std::string& prefix, int64_t after_revision,
                                          WatchCallback callback, const HistoryReader& history);

  size_t WatcherCount();

 private:
  class Watcher;
  class Handle;

  std::mutex mu_;  // guards watchers_ and revision_; held while publishing
  std::vector<std::shared_ptr<Watcher>> watchers_;
  int64_t revision_;
};

}  // namespace sampan::storage
