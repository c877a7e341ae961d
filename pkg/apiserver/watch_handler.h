#pragma once
// WatchHandler: `?watch=1` requests. Streams one JSON event per line (ADDED, MODIFIED,
// DELETED, BOOKMARK, ERROR) from the store's watch, applying label/field selectors with
// upstream's transitions (an object that stops matching is sent as DELETED, one that starts
// matching as ADDED), optional Table output, timeoutSeconds and bookmarks. An unset or "0"
// resourceVersion first sends the current objects as ADDED.
//
// Threading: Start() runs on an HTTP worker; events are formatted on the store's writer
// thread and handed to the thread-safe ResponseWriter; timers run on `timers`.

#include <map>
#include <memory>
#include <mutex>

#include "pkg/apiserver/rest_handler.h"
#include "pkg/apiserver/watch_decode_cache.h"
#include "pkg/util/dispatcher.h"
#include "pkg/util/http.h"

namespace sampan::apiserver {

class ActiveWatch;

class WatchHandler {
 public:
  WatchHandler(storage::Store& store, Dispatcher& timers)
      : store_(store), timers_(timers), decoded_(std::make_shared<WatchDecodeCache>(32)) {}
  // Ends every running watch.
  ~WatchHandler();
  void Start(const RequestContext& ctx, std::shared_ptr<http::ResponseWriter> response);
  size_t active() const;

 private:
  storage::Store& store_;
  Dispatcher& timers_;
  // Shared by this server's watches only: another server in the process (tests) has other
  // objects under the same keys and revisions.
  const std::shared_ptr<WatchDecodeCache> decoded_;
  // Running watches are owned here until they stop (client gone, timeout, shutdown).
  mutable std::mutex mu_;
  std::map<ActiveWatch*, std::shared_ptr<ActiveWatch>> active_;
};

}  // namespace sampan::apiserver
