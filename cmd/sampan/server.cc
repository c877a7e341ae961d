// `sampan server`: flags (k3s names and defaults), then wiring: the SQLite store under
// <data-dir>/server/db/, certificates, token and admin kubeconfig, and the API server.
// Runs until SIGINT/SIGTERM, then stops the API server and closes the store.

#include <arpa/inet.h>
#include <fmt/core.h>
#include <sys/stat.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <memory>

#include "cmd/sampan/commands.h"
#include "cmd/sampan/node_flags.h"
#include "cmd/sampan/components.h"
#include "pkg/apiserver/api_server.h"
#include "pkg/apiserver/certs.h"
#include "pkg/apiserver/service_allocator.h"
#include "pkg/util/fs.h"
#include "pkg/util/log.h"
#include "pkg/util/signals.h"
#include "storage/sqlite_store.h"

namespace sampan::cmd {
namespace {

const log::Logger kLog("server");

struct ServerConfig {
  std::string data_dir;
  std::string write_kubeconfig;
  std::string write_kubeconfig_mode;
  int https_listen_port = 0;
  std::string bind_address;
  std::string advertise_address;
  std::vector<std::string> tls_san;
  std::string node_name;
  std::vector<std::string> node_ip;
  std::vector<std::string> cluster_cidr;
  std::vector<std::string> service_cidr;
  std::string cluster_dns;
  std::string cluster_domain;
  std::string service_node_port_range;
  std::string token;
  NodeFlags node;  // the node agent's
  bool disable_agent = false;
  bool disable_scheduler = false;
  bool disable_controller_manager = false;
  std::vector<std::string> disable;
  std::string datastore_endpoint;
  std::string log_level;
  std::string log_format;
  std::chrono::nanoseconds node_monitor_period{};
  std::chrono::nanoseconds node_monitor_grace_period{};
  std::chrono::nanoseconds node_startup_grace_period{};
  int default_not_ready_toleration_seconds = 300;
  int default_unreachable_toleration_seconds = 300;
  bool anonymous_auth = false;
};

void DefineServerFlags(flags::FlagSet& set, ServerConfig* c) {
  set.String(&c->data_dir, "data-dir", "/var/lib/sampan", "Folder to hold state");
  set.String(&c->write_kubeconfig, "write-kubeconfig", "/etc/sampan/sampan.yaml",
             "Write the kubeconfig of the admin client to this file");
  set.String(&c->write_kubeconfig_mode, "write-kubeconfig-mode", "0600",
             "Write the kubeconfig with this mode (octal)");
  set.Int(&c->https_listen_port, "https-listen-port", 6443, "HTTPS listen port");
  set.String(&c->bind_address, "bind-address", "0.0.0.0", "Address the API server binds to");
  set.String(&c->advertise_address, "advertise-address", "",
             "IPv4/IPv6 address the API server advertises to the cluster (default: node-ip)");
  set.StringList(&c->tls_san, "tls-san", {},
                 "Extra host names or IPs as Subject Alternative Names of the server "
                 "certificate (repeatable, comma-separated)");
  set.String(&c->node_name, "node-name", "", "Node name (default: the host name)");
  set.StringList(&c->node_ip, "node-ip", {},
                 "IPv4/IPv6 addresses to advertise for the node (repeatable, comma-separated)");
  set.StringList(&c->cluster_cidr, "cluster-cidr", {"10.42.0.0/16"},
                 "IPv4/IPv6 network CIDRs for pod IPs");
  set.StringList(&c->service_cidr, "service-cidr", {"10.43.0.0/16"},
                 "IPv4/IPv6 network CIDRs for service IPs");
  set.String(&c->cluster_dns, "cluster-dns", "10.43.0.10",
             "Cluster IP of the DNS service (inside the service CIDR)");
  set.String(&c->cluster_domain, "cluster-domain", "cluster.local", "Cluster domain");
  set.String(&c->service_node_port_range, "service-node-port-range", "30000-32767",
             "Port range reserved for NodePort services");
  set.String(&c->token, "token", "", "Shared secret used to join servers and agents");
  AddNodeFlags(set, &c->node);
  set.Bool(&c->anonymous_auth, "anonymous-auth", false,
           "Serve requests without credentials as system:anonymous (group "
           "system:unauthenticated; RBAC decides) instead of refusing them (401)");
  set.Bool(&c->disable_agent, "disable-agent", false, "Do not run a local node agent");
  set.Bool(&c->disable_scheduler, "disable-scheduler", false, "Do not run the scheduler");
  set.Bool(&c->disable_controller_manager, "disable-controller-manager", false,
           "Do not run the controllers (garbage collector, node IPAM, node lifecycle, taint "
           "eviction, pod GC)");
  set.StringList(&c->disable, "disable", {},
                 "Built-in components not to run (repeatable, comma-separated)");
  set.String(&c->datastore_endpoint, "datastore-endpoint", "",
             "Datastore: empty for SQLite under data-dir, or sqlite://PATH");
  set.String(&c->log_level, "log-level", "info", "trace, debug, info, warn, error or off");
  set.String(&c->log_format, "log-format", "text", "text or json");
  // Lost nodes (kube-controller-manager's flags; k3s passes them through
  // --kube-controller-manager-arg, sampan takes them directly).
  set.Duration(&c->node_monitor_period, "node-monitor-period", std::chrono::seconds(5),
               "How often the node lifecycle controller checks node heartbeats");
  set.Duration(&c->node_monitor_grace_period, "node-monitor-grace-period", std::chrono::seconds(40),
               "A node without heartbeat (lease renewal, status) this long becomes Unknown and "
               "gets the node.kubernetes.io/unreachable taints (kube-controller-manager's flag)");
  set.Duration(&c->node_startup_grace_period, "node-startup-grace-period", std::chrono::seconds(60),
               "Like --node-monitor-grace-period, for a node that never posted Ready");
  // The DefaultTolerationSeconds admission plugin's flags (kube-apiserver's names).
  set.Int(&c->default_not_ready_toleration_seconds, "default-not-ready-toleration-seconds", 300,
          "tolerationSeconds of the node.kubernetes.io/not-ready:NoExecute toleration added to "
          "every pod without one");
  set.Int(&c->default_unreachable_toleration_seconds, "default-unreachable-toleration-seconds", 300,
          "tolerationSeconds of the node.kubernetes.io/unreachable:NoExecute toleration added "
          "to every pod without one");
}

bool IsIp(const std::string& text) {
  unsigned char buf[16];
  return inet_pton(AF_INET, text.c_str(), buf) == 1 || inet_pton(AF_INET6, text.c_str(), buf) == 1;
}

bool IsCidr(const std::string& text) {
  size_t slash = text.find('/');
  if (slash == std::string::npos) return false;
  std::string ip = text.substr(0, slash);
  std::string_view bits = std::string_view(text).substr(slash + 1);
  int prefix = -1;
  auto [end, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), prefix);
  if (bits.empty() || ec != std::errc() || end != bits.data() + bits.size()) return false;
  unsigned char buf[16];
  if (inet_pton(AF_INET, ip.c_str(), buf) == 1) return prefix >= 0 && prefix <= 32;
  return inet_pton(AF_INET6, ip.c_str(), buf) == 1 && prefix >= 0 && prefix <= 128;
}

Status Validate(const ServerConfig& c) {
  auto bad = [](std::string_view flag, const std::string& value, std::string_view want) {
    return Status::Invalid(fmt::format("invalid --{} \"{}\": {}", flag, value, want));
  };
  if (c.data_dir.empty()) return Status::Invalid("--data-dir must not be empty");
  if (c.https_listen_port < 1 || c.https_listen_port > 65535) {
    return bad("https-listen-port", std::to_string(c.https_listen_port), "want 1-65535");
  }
  const std::string& mode = c.write_kubeconfig_mode;
  if (mode.empty() || mode.size() > 4 || mode.find_first_not_of("01234567") != std::string::npos) {
    return bad("write-kubeconfig-mode", mode, "want an octal file mode such as 0600");
  }
  if (Status node = ValidateNodeFlags(c.node); !node.ok()) return node;
  if (!IsIp(c.bind_address)) return bad("bind-address", c.bind_address, "want an IP address");
  if (!c.advertise_address.empty() && !IsIp(c.advertise_address)) {
    return bad("advertise-address", c.advertise_address, "want an IP address");
  }
  for (const std::string& ip : c.node_ip) {
    if (!IsIp(ip)) return bad("node-ip", ip, "want an IP address");
  }
  for (const std::string& cidr : c.cluster_cidr) {
    if (!IsCidr(cidr)) return bad("cluster-cidr", cidr, "want a CIDR such as 10.42.0.0/16");
  }
  for (const std::string& cidr : c.service_cidr) {
    if (!IsCidr(cidr)) return bad("service-cidr", cidr, "want a CIDR such as 10.43.0.0/16");
  }
  if (c.cluster_cidr.empty() || c.service_cidr.empty()) {
    return Status::Invalid("--cluster-cidr and --service-cidr must not be empty");
  }
  if (!IsIp(c.cluster_dns)) return bad("cluster-dns", c.cluster_dns, "want an IP address");
  auto positive = [&](std::string_view flag, std::chrono::nanoseconds d) -> Status {
    if (d.count() > 0) return Status();
    return bad(flag, std::to_string(d.count()) + "ns", "want a positive duration such as 40s");
  };
  RETURN_IF_ERROR(positive("node-monitor-period", c.node_monitor_period));
  RETURN_IF_ERROR(positive("node-monitor-grace-period", c.node_monitor_grace_period));
  RETURN_IF_ERROR(positive("node-startup-grace-period", c.node_startup_grace_period));
  if (c.default_not_ready_toleration_seconds < 0) {
    return bad("default-not-ready-toleration-seconds",
               std::to_string(c.default_not_ready_toleration_seconds), "want 0 or more");
  }
  if (c.default_unreachable_toleration_seconds < 0) {
    return bad("default-unreachable-toleration-seconds",
               std::to_string(c.default_unreachable_toleration_seconds), "want 0 or more");
  }
  if (c.cluster_domain.empty()) return Status::Invalid("--cluster-domain must not be empty");
  int low = 0;
  int high = 0;
  const std::string& range = c.service_node_port_range;
  size_t dash = range.find('-');
  auto parse = [](std::string_view s, int* out) {
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
    return !s.empty() && ec == std::errc() && end == s.data() + s.size();
  };
  if (dash == std::string::npos || !parse(std::string_view(range).substr(0, dash), &low) ||
      !parse(std::string_view(range).substr(dash + 1), &high) || low < 1 || low > high ||
      high > 65535) {
    return bad("service-node-port-range", range, "want FIRST-LAST, e.g. 30000-32767");
  }
  return Status();
}

// The SQLite file named by --datastore-endpoint; other datastores come later.
Result<std::string> DatabasePath(const ServerConfig& c, const std::string& data_dir) {
  constexpr std::string_view kSqlite = "sqlite://";
  const std::string& endpoint = c.datastore_endpoint;
  if (endpoint.empty()) return data_dir + "/server/db/state.db";
  if (endpoint.starts_with(kSqlite)) {
    // kine-style DSNs carry SQLite options after '?'; the store sets its own.
    std::string path = endpoint.substr(kSqlite.size());
    path = path.substr(0, path.find('?'));
    if (!path.empty()) return path;
    return data_dir + "/server/db/state.db";
  }
  return Status::Invalid(
      fmt::format("datastore endpoint \"{}\" is not supported yet: only SQLite is (leave "
                  "--datastore-endpoint empty, or give sqlite://PATH)",
                  endpoint));
}

// Fatal errors go to stderr directly: they must show even with --log-level off.
int Fail(std::string_view message) {
  PrintError("sampan server", message);
  return kExitFailure;
}

int Serve(const ServerConfig& config, ShutdownSignals& signals) {
  std::error_code ec;
  std::string data_dir = std::filesystem::absolute(config.data_dir, ec).lexically_normal();
  if (ec) data_dir = config.data_dir;
  if (data_dir.size() > 1 && data_dir.back() == '/') data_dir.pop_back();

  Result<std::string> db_path = DatabasePath(config, data_dir);
  if (!db_path.ok()) return Fail(db_path.status().message());
  // State under server/ includes secrets (token, keys): owner only.
  Status status = MakeDirs(data_dir, 0755);
  if (status.ok()) status = MakeDirs(data_dir + "/server", 0700);
  if (status.ok()) status = MakeDirs(std::filesystem::path(*db_path).parent_path(), 0700);
  if (!status.ok()) return Fail(status.message());

  storage::SqliteStoreOptions options;
  options.path = *db_path;
  Result<std::unique_ptr<storage::Store>> store = storage::OpenSqliteStore(options);
  if (!store.ok()) {
    return Fail(fmt::format("cannot open the database {}: {}", *db_path, store.status().message()));
  }
  // Certificates, token and kubeconfig (first start creates them, later starts reuse them).
  Result<apiserver::Ipv4Cidr> service_cidr = apiserver::Ipv4Cidr::Parse(config.service_cidr[0]);
  if (!service_cidr.ok()) return Fail(service_cidr.status().message());
  apiserver::CertsConfig certs_config;
  certs_config.data_dir = data_dir;
  certs_config.node_ips = config.node_ip;
  if (!config.advertise_address.empty()) certs_config.node_ips.push_back(config.advertise_address);
  certs_config.tls_sans = config.tls_san;
  certs_config.service_ip = apiserver::FormatIpv4(service_cidr->base + 1);
  certs_config.cluster_domain = config.cluster_domain;
  Result<apiserver::ServerCerts> certs = apiserver::EnsureServerCerts(certs_config);
  if (!certs.ok()) return Fail(certs.status().message());
  Result<std::string> token =
      apiserver::EnsureToken(data_dir, certs->server_ca.cert_pem, config.token);
  if (!token.ok()) return Fail(token.status().message());
  std::string local_host = config.bind_address == "0.0.0.0" || config.bind_address == "::"
                               ? "127.0.0.1"
                               : config.bind_address;
  std::string url =
      fmt::format("https://{}:{}",
                  local_host.find(':') == std::string::npos ? local_host : "[" + local_host + "]",
                  config.https_listen_port);
  mode_t mode = static_cast<mode_t>(std::stoul(config.write_kubeconfig_mode, nullptr, 8));
  status = apiserver::WriteKubeconfig(config.write_kubeconfig, mode, url, certs->server_ca.cert_pem,
                                      certs->admin.cert_pem, certs->admin.key_pem);
  if (!status.ok()) return Fail(status.message());

  apiserver::ApiServerOptions api;
  api.store = store->get();
  api.bind_address = config.bind_address;
  api.port = config.https_listen_port;
  api.advertise_address = !config.advertise_address.empty() ? config.advertise_address
                          : !config.node_ip.empty()         ? config.node_ip[0]
                                                            : "127.0.0.1";
  api.service_cidr = config.service_cidr[0];
  api.node_port_range = config.service_node_port_range;
  api.cert_file = certs->serving.cert_path;
  api.key_file = certs->serving.key_path;
  api.client_ca_file = certs->client_ca.cert_path;
  api.kubelet_client_cert_file = certs->kubelet_client.cert_path;
  api.kubelet_client_key_file = certs->kubelet_client.key_path;
  api.kubelet_ca_file = certs->server_ca.cert_path;
  // The cluster token authenticates nodes (RBAC for them comes with the node agent).
  api.tokens.push_back({*token, {"system:sampan:node", {"system:nodes"}}});
  // Service-account tokens: k3s's key file and issuer.
  api.service_account_key_file = certs->tls_dir + "/service.key";
  api.service_account_tokens.issuer = "https://kubernetes.default.svc." + config.cluster_domain;
  api.anonymous_auth = config.anonymous_auth;
  api.components = {
      {"scheduler", !config.disable_scheduler, "--disable-scheduler"},
      {"controller-manager", !config.disable_controller_manager, "--disable-controller-manager"}};
  // Agents join with the token's secret (sampan agent --token; node_bootstrap.h).
  if (Result<apiserver::ParsedToken> parsed = apiserver::ParseToken(*token); parsed.ok()) {
    apiserver::NodeBootstrapOptions& join = api.node_bootstrap;
    join.token_secret = parsed->password;
    join.server_ca_cert_pem = certs->server_ca.cert_pem;
    join.server_ca_key_pem = certs->server_ca.key_pem;
    join.client_ca_cert_pem = certs->client_ca.cert_pem;
    join.client_ca_key_pem = certs->client_ca.key_pem;
    join.passwords_file = data_dir + "/server/cred/node-passwd";
    join.cluster = {config.cluster_cidr[0], config.cluster_dns, config.cluster_domain,
                    certs_config.service_ip};
  }
  api.admission.default_not_ready_toleration_seconds = config.default_not_ready_toleration_seconds;
  api.admission.default_unreachable_toleration_seconds =
      config.default_unreachable_toleration_seconds;
  Result<std::unique_ptr<apiserver::ApiServer>> server = apiserver::ApiServer::Start(api);
  if (!server.ok())
    return Fail(fmt::format("cannot start the API server: {}", server.status().message()));
  ComponentsConfig components_config;
  components_config.node.cluster_cidr = config.cluster_cidr[0];
  components_config.run_agent = !config.disable_agent;
  components_config.run_scheduler = !config.disable_scheduler;
  components_config.run_controllers = !config.disable_controller_manager;
  components_config.node.data_dir = data_dir;
  components_config.node.node_name = config.node_name;
  components_config.node.node_ips = config.node_ip;
  components_config.node.cluster_dns = config.cluster_dns;
  components_config.node.cluster_domain = config.cluster_domain;
  components_config.node.kubernetes_service_ip = certs_config.service_ip;
  ApplyNodeFlags(config.node, data_dir, &components_config.node);  // validated above
  components_config.server_ca_pem = certs->server_ca.cert_pem;
  components_config.node.kubelet_cert_file = certs->kubelet_serving.cert_path;
  components_config.node.kubelet_key_file = certs->kubelet_serving.key_path;
  components_config.node.client_ca_file = certs->client_ca.cert_path;
  components_config.node_lifecycle.monitor_period = config.node_monitor_period;
  components_config.node_lifecycle.grace_period = config.node_monitor_grace_period;
  components_config.node_lifecycle.startup_grace_period = config.node_startup_grace_period;
  Result<std::unique_ptr<Components>> components = Components::Start(**server, components_config);
  if (!components.ok()) {
    (*server)->Stop();
    return Fail(fmt::format("cannot start the components: {}", components.status().message()));
  }
  kLog.Info(
      "sampan server ready: API on {}, store SQLite {} (revision {}), kubeconfig {}; scheduler "
      "{}, controllers {}, node agent {}",
      url, *db_path, (*store)->CurrentRevision(), config.write_kubeconfig,
      config.disable_scheduler ? "disabled" : "running",
      config.disable_controller_manager ? "disabled" : "running",
      config.disable_agent ? "disabled" : "running pods of this node");

  Result<int> signal = signals.Wait();
  if (signal.ok()) {
    kLog.Info("received {}, shutting down", *signal == SIGINT ? "SIGINT" : "SIGTERM");
  } else {
    kLog.Error("{}; shutting down", signal.status().message());
  }
  (*components)->Stop();
  (*server)->Stop();
  server->reset();
  store->reset();  // flushes and closes the database
  kLog.Info("store closed");
  return signal.ok() ? kExitOk : kExitFailure;
}

}  // namespace

std::vector<std::string> ServerFlagNames() {
  flags::FlagSet set("sampan server", "");
  ServerConfig config;
  DefineServerFlags(set, &config);
  return set.Names();
}

int RunServer(const std::vector<std::string>& args) {
  // Before anything can start a thread: threads inherit the blocked mask.
  Result<ShutdownSignals> signals = ShutdownSignals::Block();
  if (!signals.ok()) {
    PrintError("sampan server", signals.status().message());
    return kExitFailure;
  }

  flags::FlagSet set("sampan server",
                     "Run the control plane, the store and (unless --disable-agent) a node "
                     "agent.");
  ServerConfig config;
  DefineServerFlags(set, &config);
  set.EnableConfigFile(std::string(kDefaultConfigFile));
  set.IgnoreConfigKeys(AgentFlagNames());
  if (std::optional<int> exit = ParseFlags(set, args)) return *exit;

  Status status = log::Configure(config.log_level, config.log_format);
  if (status.ok()) status = Validate(config);
  if (!status.ok()) {
    PrintError(set.command(), status.message());
    return kExitUsage;
  }
  if (!set.config_path().empty()) kLog.Info("read config file {}", set.config_path());
  return Serve(config, *signals);
}

}  // namespace sampan::cmd
