#include "cmd/sampan/components.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <unistd.h>

#include "build_info.h"
#include "pkg/kubelet/machine.h"
#include "pkg/kubelet/prober/runtime_exec.h"
#include "pkg/util/clock.h"
#include "runtime/images/reference.h"

namespace sampan::cmd {
namespace {

// The first IPv4 address of an interface that is up and not loopback.
std::string FirstHostIpv4() {
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

std::string HostName() {
  char buf[256] = {};
  gethostname(buf, sizeof buf - 1);
  std::string name = buf;
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name.empty() ? "sampan" : name;
}

// The node's pod network, made once the node has its podCIDR.
kubelet::NetworkFactory PodNetworkFactory(const ComponentsConfig& config) {
  net::PodNetworkConfig base;
  base.state_dir = config.data_dir + "/agent/net";
  base.cluster_cidr = config.cluster_cidr;
  return [base](const std::string& pod_cidr) -> Result<std::unique_ptr<net::PodNetwork>> {
    net::PodNetworkConfig network = base;
    network.pod_cidr = pod_cidr;
    return net::PodNetwork::Open(network);
  };
}

}  // namespace

Result<std::unique_ptr<Components>> Components::Start(apiserver::ApiServer& server,
                                                      const ComponentsConfig& config) {
  std::unique_ptr<Components> c(new Components());
  auto new_client = [&](std::string user, std::string agent) -> client::Client& {
    // RBAC identities come with RBAC; until then components act as cluster admins.
    c->clients_.push_back(std::make_unique<client::Client>(
        server.InProcessTransport({std::move(user), {"system:masters"}}), std::move(agent)));
    return *c->clients_.back();
  };

  if (config.run_scheduler) {
    c->scheduler_ = std::make_unique<scheduler::Scheduler>(
        new_client("system:kube-scheduler", "default-scheduler"), RealClock::Get());
    c->scheduler_->Start();
  }
  if (config.run_controllers) {
    ASSIGN_OR_RETURN(c->node_ipam_,
                     controllers::NodeIpamController::New(
                         new_client("system:kube-controller-manager", "node-ipam-controller"),
                         config.cluster_cidr));
    c->node_ipam_->Start();
    c->garbage_collector_ = std::make_unique<controllers::GarbageCollector>(
        new_client("system:kube-controller-manager", "garbage-collector"));
    c->garbage_collector_->Start();
    c->node_lifecycle_ = std::make_unique<controllers::NodeLifecycleController>(
        new_client("system:kube-controller-manager", "node-lifecycle-controller"), RealClock::Get(),
        config.node_lifecycle);
    c->node_lifecycle_->Start();
    client::Client& eviction_client =
        new_client("system:kube-controller-manager", "taint-eviction-controller");
    c->controller_events_ = std::make_unique<client::EventRecorder>(
        eviction_client, RealClock::Get(), client::EventSource{"taint-eviction-controller", ""});
    c->controller_events_->Start();
    c->taint_eviction_ = std::make_unique<controllers::TaintEvictionController>(
        eviction_client, RealClock::Get(), c->controller_events_.get());
    c->taint_eviction_->Start();
    controllers::PodGcOptions pod_gc;
    // Upstream passes 20 s and 40 s; a shortened grace (tests) shortens them alike.
    pod_gc.quarantine = config.node_lifecycle.grace_period;
    pod_gc.period =
        std::min<Clock::Duration>(pod_gc.period, config.node_lifecycle.grace_period / 2);
    c->pod_gc_ = std::make_unique<controllers::PodGcController>(
        new_client("system:kube-controller-manager", "pod-garbage-collector"), RealClock::Get(),
        pod_gc);
    c->pod_gc_->Start();
    c->resource_quota_ = std::make_unique<controllers::ResourceQuotaController>(
        new_client("system:kube-controller-manager", "resourcequota-controller"),
        RealClock::Get());
    c->resource_quota_->Start();
    c->service_accounts_ = std::make_unique<controllers::ServiceAccountsController>(
        new_client("system:kube-controller-manager", "service-account-controller"));
    c->service_accounts_->Start();
    if (!config.server_ca_pem.empty()) {
      c->root_ca_publisher_ = std::make_unique<controllers::RootCaPublisher>(
          new_client("system:kube-controller-manager", "root-ca-cert-publisher"),
          config.server_ca_pem);
      c->root_ca_publisher_->Start();
    }
    apiserver::ApiServer* api = &server;
    c->tokens_ = std::make_unique<controllers::TokensController>(
        new_client("system:kube-controller-manager", "tokens-controller"),
        [api](const api::Json& account, const api::Json& secret) {
          return api->LegacyServiceAccountToken(account, secret);
        },
        config.server_ca_pem);
    c->tokens_->Start();
  }

  if (config.run_agent) {
    kubelet::NodeStatusOptions node;
    node.node_name = config.node_name.empty() ? HostName() : config.node_name;
    node.internal_ips =
        config.node_ips.empty() ? std::vector<std::string>{FirstHostIpv4()} : config.node_ips;
    node.labels = {{"node-role.kubernetes.io/control-plane", "true"},
                   {"node-role.kubernetes.io/master", "true"}};
    node.version = SAMPAN_VERSION;
    node.kubelet_port = config.kubelet_port;
    std::string data_dir = config.data_dir;
    c->node_status_ = std::make_unique<kubelet::NodeStatusManager>(
        new_client("system:node:" + node.node_name, "kubelet"), RealClock::Get(), node,
        [data_dir] { return kubelet::ReadMachine(data_dir); });

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
    client::Client& kubelet_client = new_client("system:node:" + node.node_name, "kubelet");
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
      ASSIGN_OR_RETURN(eviction.thresholds,
                       kubelet::eviction::ParseThresholds(config.eviction_hard));
    }
    kubelet::stats::StatsCollector* stats = c->stats_.get();
    Components* self = c.get();  // the manager starts after the kubelet exists (below)
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
    c->node_status_->SetImageLister([image_store] {
      std::vector<kubelet::NodeImage> out;
      Result<std::vector<images::ImageInfo>> list = image_store->List();
      if (!list.ok()) return out;
      // One entry per image ID, with every name (and repo digest) that points to it.
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
    });
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
    kubelet::KubeletServerOptions server_options;
    server_options.port = config.kubelet_port;
    server_options.cert_file = config.kubelet_cert_file;
    server_options.key_file = config.kubelet_key_file;
    server_options.client_ca_file = config.client_ca_file;
    server_options.stats = [stats] { return stats->Collect(); };
    ASSIGN_OR_RETURN(c->kubelet_server_,
                     kubelet::KubeletServer::Start(server_options, *c->runtime_));
  }
  return c;
}

Components::~Components() { Stop(); }

void Components::Stop() {
  if (kubelet_server_) kubelet_server_->Stop();
  if (eviction_) eviction_->Stop();  // before the kubelet it evicts through
  if (kubelet_) kubelet_->Stop();
  if (probes_) probes_->Stop();
  if (node_status_) node_status_->Stop();
  if (kubelet_events_) kubelet_events_->Stop();  // after everything that records events
  if (image_gc_) image_gc_->Stop();
  if (airgap_) airgap_->Stop();
  if (tokens_) tokens_->Stop();
  if (root_ca_publisher_) root_ca_publisher_->Stop();
  if (service_accounts_) service_accounts_->Stop();
  if (pod_gc_) pod_gc_->Stop();
  if (resource_quota_) resource_quota_->Stop();
  if (taint_eviction_) taint_eviction_->Stop();
  if (controller_events_) controller_events_->Stop();
  if (node_lifecycle_) node_lifecycle_->Stop();
  if (garbage_collector_) garbage_collector_->Stop();
  if (node_ipam_) node_ipam_->Stop();
  if (scheduler_) scheduler_->Stop();
}

}  // namespace sampan::cmd
