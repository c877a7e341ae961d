#pragma once
// The pod garbage collector (upstream's pkg/controller/podgc), every period:
// - orphaned pods: bound to a node that does not exist (missing from the cache for the
//   quarantine time, then confirmed by a live read) are marked Failed with a
//   DisruptionTarget condition (DeletionByPodGC) and force-deleted (grace 0);
// - terminating pods that were never scheduled are force-deleted;
// - terminating pods on a node that is not Ready and carries the
//   node.kubernetes.io/out-of-service taint (an administrator's word that it is gone for
//   good) are force-deleted. Terminating pods on a merely unreachable node stay Terminating,
//   as upstream: their kubelet may come back and stop them.
// Upstream's cap on terminated pods (--terminated-pod-gc-threshold) is not implemented.
//
// Threading: informers on one shared thread, passes on a timer thread of their own (or the
// test's thread); missing_since_ is only touched by passes, which never overlap (mu_).

#include <map>
#include <mutex>
#include <string>

#include "pkg/client/client.h"
#include "pkg/client/informer.h"
#include "pkg/util/clock.h"
#include "pkg/util/libuv_dispatcher.h"

namespace sampan::controllers {

struct PodGcOptions {
  Clock::Duration period = std::chrono::seconds(20);
  // How long a pod's node must be missing before its pods go (upstream: 40 s).
  Clock::Duration quarantine = std::chrono::seconds(40);
};

class PodGcController {
 public:
  // `client` and `clock` must outlive the controller.
  PodGcController(client::Client& client, const Clock& clock, PodGcOptions options = {});
  ~PodGcController();  // Stop()
  void Start();
  void Stop();

  // One pass; returns the first error (the pass goes on past it). Tests call it directly.
  Status Collect();
  // Whether the caches have their first lists (tests wait for it before Collect()).
  bool HasSynced() const { return nodes_.HasSynced() && pods_.HasSynced(); }

 private:
  Status ForceDelete(const api::Json& pod, bool orphaned);

  client::Client& client_;
  const Clock& clock_;
  const PodGcOptions options_;
  DispatcherThread informer_thread_;
  client::Informer nodes_;
  client::Informer pods_;
  DispatcherThread timer_;

  std::mutex mu_;
  std::map<std::string, Clock::MonoTime> missing_since_;  // node name -> first pass missing
};

}  // namespace sampan::controllers
