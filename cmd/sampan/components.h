#pragma once
// The components `sampan server` runs in its own process next to the API server: the
// scheduler, the controllers and (unless --disable-agent) the local node agent. Each uses
// the in-process client under an identity of its own.

#include <memory>
#include <string>
#include <vector>

#include "pkg/apiserver/api_server.h"
#include "pkg/client/client.h"
#include "pkg/controllers/gc/garbage_collector.h"
#include "pkg/controllers/nodeipam/nodeipam_controller.h"
#include "pkg/kubelet/node_status.h"
#include "pkg/scheduler/scheduler.h"

namespace sampan::cmd {

struct ComponentsConfig {
  std::string cluster_cidr;
  bool run_agent = true;
  std::string data_dir;
  std::string node_name;              // "" = the host name
  std::vector<std::string> node_ips;  // "" = the first non-loopback IPv4 address
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
  std::unique_ptr<kubelet::NodeStatusManager> node_status_;
};

}  // namespace sampan::cmd
