#pragma once
// NodeComponents: what makes this machine a node, for `sampan server` (its local agent, over
// the in-process client) and `sampan agent` (over HTTPS): the image store (airgap import,
// image GC), the container runtime, node status and lease, the kubelet with its static pods,
// probes, stats, eviction under pressure, and the kubelet's HTTPS API. Every API call goes
// through the transport it is given, as the node's identity.
//
// Threading: Start/StartKubeletServer/Stop from one controlling thread.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "pkg/client/client.h"
#include "pkg/client/event_recorder.h"
#include "pkg/kubelet/eviction/eviction_manager.h"
#include "pkg/kubelet/image_manager.h"
#include "pkg/kubelet/kubelet.h"
#include "pkg/kubelet/node_status.h"
#include "pkg/kubelet/prober/kubelet_probes.h"
#include "pkg/kubelet/server/kubelet_server.h"
#include "pkg/kubelet/stats/stats_collector.h"
#include "pkg/util/libuv_dispatcher.h"
#include "runtime/images/airgap.h"
#include "runtime/images/image_store.h"
#include "runtime/runtime.h"

namespace sampan::cmd {

struct NodeConfig {
  std::string node_name;                      // required (DefaultNodeName())
  std::vector<std::string> node_ips;          // required, at least one (DefaultNodeIp())
  std::map<std::string, std::string> labels;  // added to the standard node labels
  std::string data_dir;
  std::string cluster_cidr;  // the pod network's whole range (a /24 of it is the node's)
  std::string cluster_dns = "10.43.0.10";
  std::string cluster_domain = "cluster.local";
  std::string kubernetes_service_ip = "10.43.0.1";
  std::string private_registry;  // registries.yaml (a missing file is no configuration)
  std::string cgroup_root;       // parent of kubepods/ in each hierarchy
  std::string pod_log_dir;
  std::string static_pod_dir;  // manifests of static pods
  // Hard eviction thresholds; empty = upstream's defaults (validated by the caller).
  std::string eviction_hard;
  // The kubelet API (HTTPS): port, serving certificate, CA of client certificates. Without a
  // certificate it starts with StartKubeletServer() once one is there.
  int kubelet_port = 10250;
  std::string kubelet_cert_file;
  std::string kubelet_key_file;
  std::string client_ca_file;
};

// The host name in lower case ("sampan" if none), and the first IPv4 address of an interface
// that is up and not loopback (127.0.0.1 if none).
std::string DefaultNodeName();
std::string DefaultNodeIp();

class NodeComponents {
 public:
  static Result<std::unique_ptr<NodeComponents>> Start(std::shared_ptr<client::Transport> api,
                                                       const NodeConfig& config);
  ~NodeComponents();  // Stop()
  // Starts the kubelet API with these files (config's kubelet_cert_file etc. are replaced).
  Status StartKubeletServer(const std::string& cert_file, const std::string& key_file,
                            const std::string& client_ca_file);
  // The API just became reachable: the node's status and lease are written now.
  void Connected();
  void Stop();

 private:
  NodeComponents() = default;
  NodeConfig config_;
  std::vector<std::unique_ptr<client::Client>> clients_;
  std::unique_ptr<kubelet::NodeStatusManager> node_status_;
  // The node's images: airgap archives imported at start and as they appear; image GC.
  std::unique_ptr<images::ImageStore> images_;
  std::unique_ptr<images::AirgapImporter> airgap_;
  std::unique_ptr<DispatcherThread> image_gc_;
  // Pods of this node.
  std::unique_ptr<runtime::Runtime> runtime_;
  std::unique_ptr<client::EventRecorder> kubelet_events_;
  std::unique_ptr<kubelet::ImageManager> image_manager_;
  std::unique_ptr<kubelet::prober::KubeletProbes> probes_;
  std::unique_ptr<kubelet::Kubelet> kubelet_;
  // Resource usage (kubelet API, metrics.k8s.io) and eviction under pressure.
  std::unique_ptr<kubelet::stats::StatsCollector> stats_;
  std::unique_ptr<kubelet::eviction::EvictionManager> eviction_;
  std::unique_ptr<kubelet::KubeletServer> kubelet_server_;
};

}  // namespace sampan::cmd
