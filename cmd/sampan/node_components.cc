#include "cmd/sampan/node_components.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <unistd.h>

#include <algorithm>

#include "build_info.h"
#include "pkg/kubelet/machine.h"
#include "pkg/kubelet/prober/runtime_exec.h"
#include "pkg/util/clock.h"
#include "runtime/images/reference.h"

namespace sampan::cmd {
namespace {

// The node's pod network, made once the node has its podCIDR.
kubelet::NetworkFactory PodNetworkFactory(const NodeConfig& config) {
  net::PodNetworkConfig base;
  base.state_dir = config.data_dir + "/agent/net";
  base.cluster_cidr = config.cluster_cidr;
  return [base](const std::string& pod_cidr) -> Result<std::unique_ptr<net::PodNetwork>> {
    net::PodNetworkConfig network = base;
    network.pod_cidr = pod_cidr;
    return net::PodNetwork::Open(network);
  };
}

// status.images: one entry per image ID, with every name (and repo digest) that points to it.
std::vector<kubelet::NodeImage> ListNodeImages(images::ImageStore& store) {
  std::vector<kubelet::NodeImage> out;
  Result<std::vector<images::ImageInfo>> list = store.List();
  if (!list.ok()) return out;
  std::map<std::string, kubelet::NodeImage> by_id;
  for (const images::ImageInfo& info : *list) {
    kubelet::NodeImage& image = by_id[info.id];
    image.names.push_back(info.name);
    Result<images::Reference> ref = images::Reference::Parse(info.name);
    std::string digest_name = ref.ok() ? ref->name() + "@" + info.digest : "";
    if (!digest_name.empty() &&
        std::find(image.names.begin(), image.names.end(), digest_name) == image.names.end()) {
      image.names.insert(image.names.begin(), digest_name);
    }
    image.size_bytes = info.size;
  }
  for (auto& [id, image] : by_id) out.push_back(std::move(image));
  return out;
}

}  // namespace

std::string DefaultNodeIp() {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return "127.0.0.1";
  std::string found;
  for (ifaddrs* a = list; a != nullptr && found.empty(); a = a->ifa_next) {
    if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_INET) continue;
    if ((a->ifa_flags & IFF_UP) == 0 || (a->ifa_flags & IFF_LOOPBACK) != 0) continue;
    char buf[INET_ADDRSTRLEN];
    auto* sin = reinterpret_cast<sockaddr_in*>(a->ifa_addr);
    if (inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof buf)) found = buf;
  }
  freeifaddrs(list);
  return found.empty() ? "127.0.0.1" : found;
}

std::string DefaultNodeName() {
  char buf[256] = {};
  gethostname(buf, sizeof buf - 1);
  std::string name = buf;
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name.empty() ? "sampan" : name;
}

Result<std::unique_ptr<NodeComponents>> NodeComponents::Start(
    std::shared_ptr<client::Transport> api, const NodeConfig& config) {
  std::unique_ptr<NodeComponents> c(new NodeComponents());
  c->config_ = config;
  auto new_client = [&]() -> client::Client& {
    c->clients_.push_back(std::make_unique<client::Client>(api, "kubelet"));
    return *c->clients_.back();
  };
  kubelet::NodeStatusOptions node;
  node.node_name = config.node_name;
  node.internal_ips = config.node_ips;
  node.labels = config.labels;
  node.version = SAMPAN_VERSION;
  node.kubelet_port = config.kubelet_port;
  std::string data_dir = config.data_dir;
  c->node_status_ = std::make_unique<kubelet::NodeStatusManager>(
      new_client(), RealClock::Get(), node, [data_dir] { return kubelet::ReadMachine(data_dir); });

  ASSIGN_OR_RETURN(c->images_, images::ImageStore::Open(config.data_dir));
  c->airgap_ = std::make_unique<images::AirgapImporter>(c->images_.get());
  RETURN_IF_ERROR(c->airgap_->Start());  // imports in the background: Ready does not wait
  c->image_gc_ = std::make_unique<DispatcherThread>("image-gc");
  images::ImageStore* store = c->images_.get();
  c->image_gc_->dispatcher().AddRepeatingTimer(
      std::chrono::minutes(5), [store] { (void)store->CollectGarbage(images::GcPolicy{}); });
  c->image_gc_->Start();

  runtime::RuntimeOptions runtime_options;
  runtime_options.data_dir = config.data_dir;
  runtime_options.cgroup_root = config.cgroup_root;
  ASSIGN_OR_RETURN(c->runtime_, runtime::NewLocalRuntime(runtime_options));
  client::Client& kubelet_client = new_client();
  c->kubelet_events_ = std::make_unique<client::EventRecorder>(
      kubelet_client, RealClock::Get(), client::EventSource{"kubelet", node.node_name});
  c->kubelet_events_->Start();
  c->node_status_->SetEventRecorder(c->kubelet_events_.get());
  c->stats_ = std::make_unique<kubelet::stats::StatsCollector>(
      *c->runtime_, RealClock::Get(),
      kubelet::stats::StatsCollectorOptions{.node_name = node.node_name,
                                            .nodefs_path = config.data_dir,
                                            .imagefs_path = config.data_dir + "/agent/images"});
  kubelet::eviction::EvictionOptions eviction;
  if (!config.eviction_hard.empty()) {
    ASSIGN_OR_RETURN(eviction.thresholds, kubelet::eviction::ParseThresholds(config.eviction_hard));
  }
  kubelet::stats::StatsCollector* stats = c->stats_.get();
  NodeComponents* self = c.get();  // the manager starts after the kubelet exists (below)
  c->eviction_ = std::make_unique<kubelet::eviction::EvictionManager>(
      RealClock::Get(), std::move(eviction),
      [stats](bool with_pods) { return stats->CollectInBackground(with_pods); },
      [self] { return self->kubelet_->ActivePods(); },
      [self](const api::Json& pod, const std::string& message) {
        self->kubelet_->Evict(pod, message);
      });
  kubelet::eviction::EvictionManager* eviction_manager = c->eviction_.get();
  c->node_status_->SetPressureReader([eviction_manager] {
    return kubelet::NodeStatusManager::Pressure{eviction_manager->memory_pressure(),
                                                eviction_manager->disk_pressure()};
  });
  images::ImageStore* image_store = c->images_.get();
  c->node_status_->SetImageLister([image_store] { return ListNodeImages(*image_store); });
  c->node_status_->Start();
  ASSIGN_OR_RETURN(images::RegistriesConfig registries,
                   images::RegistriesConfig::Load(config.private_registry, true));
  c->image_manager_ = std::make_unique<kubelet::ImageManager>(
      *c->images_, std::move(registries), RealClock::Get(), *c->kubelet_events_);
  kubelet::KubeletOptions kubelet_options;
  kubelet_options.node_name = node.node_name;
  kubelet_options.node_ip = node.internal_ips[0];
  kubelet_options.data_dir = config.data_dir;
  kubelet_options.pod_log_dir = config.pod_log_dir;
  kubelet_options.static_pod_dir = config.static_pod_dir;
  kubelet_options.dns.cluster_dns = config.cluster_dns;
  kubelet_options.dns.cluster_domain = config.cluster_domain;
  kubelet_options.kubernetes_service_ip = config.kubernetes_service_ip;
  c->kubelet_ = std::make_unique<kubelet::Kubelet>(kubelet_client, RealClock::Get(), *c->runtime_,
                                                   *c->image_manager_, *c->kubelet_events_,
                                                   PodNetworkFactory(config), kubelet_options);
  kubelet::Kubelet* kubelet = c->kubelet_.get();
  client::EventRecorder* events = c->kubelet_events_.get();
  c->probes_ = std::make_unique<kubelet::prober::KubeletProbes>(
      RealClock::Get(), kubelet::prober::MakeRuntimeExecFn(*c->runtime_),
      kubelet::prober::ProbeSinks{
          [kubelet](const std::string& uid, const std::string& name, const std::string& id) {
            kubelet->RestartContainer(uid, name, id);
          },
          [kubelet](const std::string& uid) { kubelet->Requeue(uid); },
          [events](const api::Json& pod, const std::string& type, const std::string& reason,
                   const std::string& message, const std::string& field) {
            events->Record(pod, type, reason, message, field);
          }});
  c->kubelet_->SetProbeHooks(c->probes_->Hooks());
  c->probes_->Start();
  c->kubelet_->Start();
  c->eviction_->Start();
  if (!config.kubelet_cert_file.empty()) {
    RETURN_IF_ERROR(c->StartKubeletServer(config.kubelet_cert_file, config.kubelet_key_file,
                                          config.client_ca_file));
  }
  return c;
}

Status NodeComponents::StartKubeletServer(const std::string& cert_file, const std::string& key_file,
                                          const std::string& client_ca_file) {
  kubelet::KubeletServerOptions options;
  options.port = config_.kubelet_port;
  options.cert_file = cert_file;
  options.key_file = key_file;
  options.client_ca_file = client_ca_file;
  kubelet::stats::StatsCollector* stats = stats_.get();
  options.stats = [stats] { return stats->Collect(); };
  ASSIGN_OR_RETURN(kubelet_server_, kubelet::KubeletServer::Start(options, *runtime_));
  return Status::Ok();
}

void NodeComponents::Connected() { node_status_->SyncNow(); }

NodeComponents::~NodeComponents() { Stop(); }

void NodeComponents::Stop() {
  if (kubelet_server_) kubelet_server_->Stop();
  if (eviction_) eviction_->Stop();  // before the kubelet it evicts through
  if (kubelet_) kubelet_->Stop();
  if (probes_) probes_->Stop();
  if (node_status_) node_status_->Stop();
  if (kubelet_events_) kubelet_events_->Stop();  // after everything that records events
  if (image_gc_) image_gc_->Stop();
  if (airgap_) airgap_->Stop();
}

}  // namespace sampan::cmd
