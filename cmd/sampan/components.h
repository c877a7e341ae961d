#pragma once
// The components `sampan server` runs in its own process next to the API server: the
// scheduler, the controllers and (unless --disable-agent) the local node agent
// (node_components.h, shared with `sampan agent`). Each uses the in-process client under an
// identity of its own.

#include <memory>
#include <string>
#include <vector>

#include "cmd/sampan/node_components.h"
#include "pkg/apiserver/api_server.h"
#include "pkg/client/client.h"
#include "pkg/client/event_recorder.h"
#include "pkg/controllers/gc/garbage_collector.h"
#include "pkg/controllers/nodeipam/nodeipam_controller.h"
#include "pkg/controllers/nodelifecycle/node_lifecycle_controller.h"
#include "pkg/controllers/podgc/pod_gc_controller.h"
#include "pkg/controllers/resourcequota/resource_quota_controller.h"
#include "pkg/controllers/serviceaccount/root_ca_publisher.h"
#include "pkg/controllers/serviceaccount/serviceaccounts_controller.h"
#include "pkg/controllers/serviceaccount/tokens_controller.h"
#include "pkg/controllers/tainteviction/taint_eviction_controller.h"
#include "pkg/scheduler/scheduler.h"

namespace sampan::cmd {

struct ComponentsConfig {
  bool run_agent = true;
  bool run_scheduler = true;
  bool run_controllers = true;
  // The local node agent's settings (node IPAM takes its cluster_cidr too); an empty node
  // name or address list means the host's (DefaultNodeName(), DefaultNodeIp()).
  NodeConfig node;
  // Lost nodes: heartbeat grace and monitor period (the pod GC's quarantine follows the grace).
  controllers::NodeLifecycleOptions node_lifecycle;
  // The server CA (PEM) published in every namespace's kube-root-ca.crt ConfigMap.
  std::string server_ca_pem;
};

class Components {
 public:
  static Result<std::unique_ptr<Components>> Start(apiserver::ApiServer& server,
                                                   const ComponentsConfig& config);
  ~Components();  // Stop()
  void Stop();

 private:
  Components() = default;
  std::vector<std::unique_ptr<client::Client>> clients_;
  std::unique_ptr<scheduler::Scheduler> scheduler_;
  std::unique_ptr<controllers::NodeIpamController> node_ipam_;
  std::unique_ptr<controllers::GarbageCollector> garbage_collector_;
  std::unique_ptr<client::EventRecorder> controller_events_;
  std::unique_ptr<controllers::NodeLifecycleController> node_lifecycle_;
  std::unique_ptr<controllers::TaintEvictionController> taint_eviction_;
  std::unique_ptr<controllers::PodGcController> pod_gc_;
  std::unique_ptr<controllers::ResourceQuotaController> resource_quota_;
  std::unique_ptr<controllers::ServiceAccountsController> service_accounts_;
  std::unique_ptr<controllers::RootCaPublisher> root_ca_publisher_;
  std::unique_ptr<controllers::TokensController> tokens_;
  std::unique_ptr<NodeComponents> node_;  // the local node agent
};

}  // namespace sampan::cmd
