#pragma once
// Taint-based eviction (upstream's taint eviction controller, the NoExecuteTaintManager):
// a pod bound to a node with NoExecute taints is deleted
// - at once when some taint is not tolerated;
// - when every taint is tolerated and some used toleration has tolerationSeconds, that many
//   seconds (the smallest) after the taint was added (its timeAdded; the time this
//   controller first saw it when the taint has none) - upstream counts from the time it
//   first saw the taint, which a restart of the controller resets;
// - never, when the tolerations used have no tolerationSeconds.
// Deletion as upstream: a DisruptionTarget condition (reason DeletionByTaintManager) on the
// pod's status, then a normal (graceful) delete. A pod of a dead kubelet then stays
// Terminating until its node is deleted (the pod GC force-deletes it) or marked
// out-of-service.
//
// Threading: informers on one shared thread, Sync on the runner's workers; first_seen_ is
// guarded by mu_.

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "pkg/client/client.h"
#include "pkg/client/event_recorder.h"
#include "pkg/client/informer.h"
#include "pkg/controllers/runner.h"
#include "pkg/util/clock.h"
#include "pkg/util/libuv_dispatcher.h"

namespace sampan::controllers {

class TaintEvictionController {
 public:
  // `client` and `clock` must outlive the controller; `events` may be null.
  TaintEvictionController(client::Client& client, const Clock& clock,
                          client::EventRecorder* events = nullptr, int workers = 2);
  ~TaintEvictionController();  // Stop()
  void Start();
  void Stop();

  // Decides for one pod ("namespace/name"): deletes it now, requeues it for its eviction
  // time, or leaves it.
  Status Sync(const std::string& pod_key);

  // When `pod` is to be deleted from `node`: nullopt = never; a time <= now = at once. For
  // each NoExecute taint the pod's first matching toleration counts (as upstream); the
  // earliest (timeAdded + tolerationSeconds) over the taints wins.
  std::optional<Clock::WallTime> EvictionTime(const api::Json& pod, const api::Json& node);

 private:
  void EnqueuePodsOn(const std::string& node_name);
  Status Evict(const api::Json& pod);

  client::Client& client_;
  const Clock& clock_;
  client::EventRecorder* events_;
  DispatcherThread informer_thread_;
  client::Informer nodes_;
  client::Informer pods_;
  Runner runner_;

  std::mutex mu_;
  // "node/key/effect" of NoExecute taints without timeAdded -> when first seen.
  std::map<std::string, Clock::WallTime> first_seen_;
};

}  // namespace sampan::controllers
