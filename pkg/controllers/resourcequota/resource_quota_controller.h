#pragma once
// The resource quota controller (upstream's pkg/controller/resourcequota): keeps every
// ResourceQuota's status current. Sync(ns/name) recounts what the namespace's objects use
// of each resource the quota lists (pkg/api/quota_usage.h, with the quota's scopes) and
// writes status.hard (= spec.hard) and status.used when they differ (a compare-and-swap on
// the quota's resourceVersion, so a racing admission charge makes it retry).
//
// A quota is recounted when it is created or its spec changes; the quotas of a namespace
// when a pod there is deleted or finishes (Succeeded/Failed), a service or claim is deleted
// or its spec changes, or a configmap, secret or replication controller is deleted; and
// every quota on the periodic full resync (upstream: 5 minutes), which also catches
// count/<resource>.<group> quotas over other resources. Admission charges (status-only
// changes) do not trigger a recount, as upstream, since a recount racing in-flight creates
// could undercount them.
//
// Threading: informers on one shared thread enqueue keys; the Runner's workers sync.

#include <chrono>
#include <string>

#include "pkg/client/client.h"
#include "pkg/client/informer.h"
#include "pkg/controllers/runner.h"
#include "pkg/util/clock.h"
#include "pkg/util/libuv_dispatcher.h"

namespace sampan::controllers {

struct ResourceQuotaOptions {
  Clock::Duration resync_period = std::chrono::minutes(5);
  int workers = 2;
};

class ResourceQuotaController {
 public:
  // `client` and `clock` must outlive the controller.
  ResourceQuotaController(client::Client& client, const Clock& clock,
                          ResourceQuotaOptions options = {});
  ~ResourceQuotaController();  // Stop()
  void Start();
  void Stop();

  // Recounts one quota ("namespace/name"); tests call it directly.
  Status Sync(const std::string& key);

 private:
  void EnqueueNamespace(const std::string& ns);
  void EnqueueAll();

  client::Client& client_;
  const ResourceQuotaOptions options_;
  DispatcherThread informer_thread_;
  client::Informer quotas_;
  client::Informer pods_;
  client::Informer services_;
  client::Informer claims_;
  client::Informer configmaps_;  // metadata only: deletions
  client::Informer secrets_;     // metadata only: deletions
  client::Informer rcs_;         // metadata only: deletions
  DispatcherThread timer_;
  Runner runner_;
};

}  // namespace sampan::controllers
