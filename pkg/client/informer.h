#pragma once
// Informer: a list+watch cache of one resource (optionally one namespace and selectors),
// the way controllers see the cluster (DESIGN.md "How it runs"). It lists, then watches
// from the list's resourceVersion; after a watch ends it watches again from the last
// version seen, and after 410 Gone (or a failure) it lists again, reporting the
// differences to its handlers as adds, updates and deletes.
//
// Threading: the informer runs on its own dispatcher thread; handlers run there, one at a
// time, in event order, and must only enqueue work (never block). Get/List/HasSynced may
// be called from any thread. Objects are immutable and shared.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "pkg/api/json.h"
#include "pkg/api/registry.h"
#include "pkg/client/client.h"
#include "pkg/util/libuv_dispatcher.h"

namespace sampan::client {

using ObjectPtr = std::shared_ptr<const api::Json>;

// "namespace/name", or "name" for cluster-scoped objects: the key controllers queue.
std::string ObjectKey(const api::Json& object);

class Informer {
 public:
  struct Handlers {
    std::function<void(const ObjectPtr&)> on_add;
    std::function<void(const ObjectPtr& old_object, const ObjectPtr& new_object)> on_update;
    std::function<void(const ObjectPtr&)> on_delete;
  };

  // `client` must outlive the informer. `ns` = "" watches every namespace; `selectors`
  // uses its label and field selectors and metadata_only. With `shared_loop`, the informer
  // runs on that dispatcher (several informers on one thread) instead of a thread of its
  // own; its owner must then stop that dispatcher before destroying the informer.
  Informer(Client& client, const api::ResourceInfo& resource, std::string ns = "",
           ListOptions selectors = {}, Dispatcher* shared_loop = nullptr);
  ~Informer();  // Stop()
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  // Handlers added before Start() see every object; later ones only later changes.
  void AddHandlers(Handlers handlers);
  void Start();
  void Stop();

  // True once the first list has been delivered to the handlers.
  bool HasSynced() const { return synced_; }
  bool WaitForSync(std::chrono::milliseconds timeout) const;
  ObjectPtr Get(const std::string& key) const;
  std::vector<ObjectPtr> List() const;
  // The resourceVersion of the newest object or bookmark seen.
  std::string ResourceVersion() const;

 private:
  void Relist();
  void StartWatch();
  void OnWatchEvent(WatchEvent event);
  void OnWatchEnd(Status status);
  void Retry(std::function<void()> fn);
  void Notify(const std::function<void(const Handlers&)>& call);

  Client& client_;
  const api::ResourceInfo& resource_;
  const std::string ns_;
  const ListOptions selectors_;
  std::unique_ptr<DispatcherThread> own_thread_;  // unless a shared loop was given
  Dispatcher& loop_;
  std::vector<Handlers> handlers_;  // touched on the informer thread after Start()

  mutable std::mutex mu_;
  mutable std::condition_variable synced_cv_;
  std::map<std::string, ObjectPtr> cache_;
  std::string resource_version_;
  std::atomic<bool> synced_{false};

  // Informer-thread state.
  std::unique_ptr<StreamHandle> watch_;
  uint64_t watch_generation_ = 0;  // events of an older watch are dropped
  std::chrono::milliseconds backoff_{0};
  std::atomic<bool> stopped_{false};
};

}  // namespace sampan::client
