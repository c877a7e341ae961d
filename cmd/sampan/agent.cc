// `sampan agent`: a node agent joining a server (k3s's `k3s agent`). It starts the node at
// once (runtime, kubelet, static pods from <data-dir>/agent/pod-manifests), joins with the
// token (agent_join.h; credentials already under <data-dir>/agent/ are reused without asking
// the server), then talks to the API over HTTPS as system:node:<node>: Node, lease, status,
// the pods bound to it, mirror pods, and serves the kubelet API. Until the server answers,
// API calls fail and are retried with back-off; running pods are never stopped for that.
// Runs until SIGINT/SIGTERM; containers outlive it and are adopted by the next start.

#include <fmt/core.h>
#include <poll.h>

#include <algorithm>
#include <csignal>
#include <filesystem>

#include "cmd/sampan/agent_join.h"
#include "cmd/sampan/commands.h"
#include "cmd/sampan/node_flags.h"
#include "cmd/sampan/node_components.h"
#include "pkg/client/deferred_transport.h"
#include "pkg/client/https_transport.h"
#include "pkg/util/fs.h"
#include "pkg/util/log.h"
#include "pkg/util/signals.h"

namespace sampan::cmd {
namespace {

const log::Logger kLog("agent");

struct AgentConfig {
  std::string server;
  std::string token;
  std::string data_dir;
  std::string node_name;
  std::vector<std::string> node_ip;
  std::vector<std::string> node_label;
  NodeFlags node;  // the node agent's
  std::string log_level;
  std::string log_format;
};

void DefineAgentFlags(flags::FlagSet& set, AgentConfig* config) {
  set.String(&config->server, "server", "", "Server to connect to (https://HOST:6443)");
  set.AddEnvAlias("server", "SAMPAN_URL");  // k3s: K3S_URL
  set.String(&config->token, "token", "",
             "Shared secret used to join the cluster (the server's <data-dir>/server/token)");
  set.String(&config->data_dir, "data-dir", "/var/lib/sampan", "Folder to hold state");
  set.String(&config->node_name, "node-name", "", "Node name (default: the host name)");
  set.StringList(&config->node_ip, "node-ip", {},
                 "IPv4/IPv6 addresses to advertise for the node (repeatable, comma-separated)");
  set.StringList(&config->node_label, "node-label", {},
                 "Labels of the node as KEY=VALUE (repeatable, comma-separated)");
  AddNodeFlags(set, &config->node);
  set.String(&config->log_level, "log-level", "info", "trace, debug, info, warn, error or off");
  set.String(&config->log_format, "log-format", "text", "text or json");
}

int Fail(std::string_view message) {
  PrintError("sampan agent", message);
  return kExitFailure;
}

// Waits up to `timeout` for SIGINT/SIGTERM; true if one came (it is consumed).
bool SignalWithin(ShutdownSignals& signals, std::chrono::milliseconds timeout) {
  pollfd p{signals.fd(), POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
  (void)signals.Wait();
  return true;
}

void ApplyClusterSettings(const apiserver::NodeClusterSettings& cluster, NodeConfig* node) {
  node->cluster_cidr = cluster.cluster_cidr;
  node->cluster_dns = cluster.cluster_dns;
  node->cluster_domain = cluster.cluster_domain;
  node->kubernetes_service_ip = cluster.kubernetes_service_ip;
}

bool operator==(const apiserver::NodeClusterSettings& a, const apiserver::NodeClusterSettings& b) {
  return a.cluster_cidr == b.cluster_cidr && a.cluster_dns == b.cluster_dns &&
         a.cluster_domain == b.cluster_domain && a.kubernetes_service_ip == b.kubernetes_service_ip;
}

std::shared_ptr<client::Transport> ApiTransport(const NodeCredentials& creds) {
  http::ClientOptions options;
  options.host = creds.server_host;
  options.port = creds.server_port;
  options.user_agent = "sampan-agent";
  // A server cut off without a reset (a network partition) holds a kubelet worker this long.
  options.timeout = std::chrono::seconds(10);
  options.tls =
      http::ClientTlsOptions{creds.server_ca_file, creds.client_cert_file, creds.client_key_file};
  return std::make_shared<client::HttpsTransport>(options);
}

int Run(const AgentConfig& config, ShutdownSignals& signals) {
  std::error_code ec;
  std::string data_dir = std::filesystem::absolute(config.data_dir, ec).lexically_normal();
  if (ec) data_dir = config.data_dir;
  if (data_dir.size() > 1 && data_dir.back() == '/') data_dir.pop_back();
  if (Status st = MakeDirs(data_dir + "/agent", 0755); !st.ok()) return Fail(st.message());

  NodeConfig node;
  node.node_name = config.node_name.empty() ? DefaultNodeName() : config.node_name;
  node.node_ips =
      config.node_ip.empty() ? std::vector<std::string>{DefaultNodeIp()} : config.node_ip;
  for (const std::string& label : config.node_label) {
    size_t eq = label.find('=');
    node.labels[label.substr(0, eq)] = eq == std::string::npos ? "" : label.substr(eq + 1);
  }
  node.data_dir = data_dir;
  // The cluster's settings as the last join brought them (defaults before the first).
  apiserver::NodeClusterSettings cluster = StoredClusterSettings(data_dir);
  ApplyClusterSettings(cluster, &node);
  ApplyNodeFlags(config.node, data_dir, &node);  // validated before
  JoinConfig join{config.server, config.token, data_dir, node.node_name, node.node_ips};

  // The node runs from now on, with or without the server (static pods).
  auto api = std::make_shared<client::DeferredTransport>();
  Result<std::unique_ptr<NodeComponents>> components = NodeComponents::Start(api, node);
  if (!components.ok()) {
    return Fail(fmt::format("cannot start the node: {}", components.status().message()));
  }
  Result<NodeCredentials> creds = LoadNodeCredentials(join);
  if (creds.ok()) {
    kLog.Info("node {}: reusing the credentials under {}/agent", node.node_name, data_dir);
  } else {
    kLog.Info("node {}: joining {} ({})", node.node_name, config.server, creds.status().message());
    std::chrono::milliseconds backoff(500);
    while (true) {
      creds = JoinCluster(join);
      if (creds.ok()) break;
      Code code = creds.status().code();
      if (code == Code::kUnauthorized || code == Code::kForbidden || code == Code::kInvalid ||
          code == Code::kBadRequest) {
        (*components)->Stop();
        return Fail(fmt::format("cannot join {}: {}", config.server, creds.status().message()));
      }
      kLog.Warn("cannot join {} yet: {}; retrying in {} ms", config.server,
                creds.status().message(), backoff.count());
      if (SignalWithin(signals, backoff)) {
        kLog.Info("shutting down before the node joined");
        (*components)->Stop();
        return kExitOk;
      }
      backoff = std::min<std::chrono::milliseconds>(backoff * 2, std::chrono::seconds(10));
    }
  }
  api->Set(ApiTransport(*creds));
  if (apiserver::NodeClusterSettings joined = StoredClusterSettings(data_dir);
      !(joined == cluster)) {
    // The node pieces started with the defaults: again with the cluster's settings (running
    // containers are adopted, as after any restart).
    kLog.Info(
        "the cluster's settings differ from the defaults (DNS {}, domain {}, pods {}): "
        "restarting the node's components",
        joined.cluster_dns, joined.cluster_domain, joined.cluster_cidr);
    (*components)->Stop();
    components->reset();
    ApplyClusterSettings(joined, &node);
    components = NodeComponents::Start(api, node);
    if (!components.ok()) {
      return Fail(fmt::format("cannot start the node: {}", components.status().message()));
    }
  }
  (*components)->Connected();
  if (Status st = (*components)
                      ->StartKubeletServer(creds->serving_cert_file, creds->serving_key_file,
                                           creds->client_ca_file);
      !st.ok()) {
    (*components)->Stop();
    return Fail(fmt::format("cannot start the kubelet API: {}", st.message()));
  }
  kLog.Info("sampan agent ready: node {} ({}), API {}, kubelet API on port {}", node.node_name,
            node.node_ips[0], config.server, config.node.kubelet_port);
  Result<int> signal = signals.Wait();
  if (signal.ok()) {
    kLog.Info("received {}, shutting down", *signal == SIGINT ? "SIGINT" : "SIGTERM");
  }
  (*components)->Stop();
  return signal.ok() ? kExitOk : kExitFailure;
}

}  // namespace

std::vector<std::string> AgentFlagNames() {
  flags::FlagSet set("sampan agent", "");
  AgentConfig config;
  DefineAgentFlags(set, &config);
  return set.Names();
}

int RunAgent(const std::vector<std::string>& args) {
  // Before anything can start a thread: threads inherit the blocked mask.
  Result<ShutdownSignals> signals = ShutdownSignals::Block();
  if (!signals.ok()) {
    PrintError("sampan agent", signals.status().message());
    return kExitFailure;
  }
  flags::FlagSet set("sampan agent", "Run a node agent that joins a server.");
  AgentConfig config;
  DefineAgentFlags(set, &config);
  set.EnableConfigFile(std::string(kDefaultConfigFile));
  set.IgnoreConfigKeys(ServerFlagNames());
  if (std::optional<int> exit = ParseFlags(set, args)) return *exit;

  Status status = log::Configure(config.log_level, config.log_format);
  if (status.ok()) {
    status = ValidateJoinConfig({config.server, config.token, config.data_dir, "", {}});
  }
  if (status.ok()) status = ValidateNodeFlags(config.node);
  if (!status.ok()) {
    PrintError(set.command(), status.message());
    return kExitUsage;
  }
  if (!set.config_path().empty()) kLog.Info("read config file {}", set.config_path());
  return Run(config, *signals);
}

}  // namespace sampan::cmd
