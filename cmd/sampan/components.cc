#include "cmd/sampan/components.h"

#include "pkg/util/clock.h"

namespace sampan::cmd {

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
                         config.node.cluster_cidr));
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
    NodeConfig node = config.node;
    if (node.node_name.empty()) node.node_name = DefaultNodeName();
    if (node.node_ips.empty()) node.node_ips = {DefaultNodeIp()};
    node.labels = {{"node-role.kubernetes.io/control-plane", "true"},
                   {"node-role.kubernetes.io/master", "true"}};
    // RBAC identities come with RBAC; until then the local node acts as a cluster admin.
    std::shared_ptr<client::Transport> transport =
        server.InProcessTransport({"system:node:" + node.node_name, {"system:masters"}});
    ASSIGN_OR_RETURN(c->node_, NodeComponents::Start(std::move(transport), node));
  }
  return c;
}

Components::~Components() { Stop(); }

void Components::Stop() {
  if (node_) node_->Stop();
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
