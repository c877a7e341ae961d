// `sampan agent`: a node agent joining a server. Only its flags exist so far; running it
// fails clearly until the agent is implemented.

#include <fmt/core.h>

#include "cmd/sampan/commands.h"

namespace sampan::cmd {
namespace {

struct AgentConfig {
  std::string server;
  std::string token;
  std::string data_dir;
  std::string node_name;
  std::vector<std::string> node_ip;
};

void DefineAgentFlags(flags::FlagSet& set, AgentConfig* config) {
  set.String(&config->server, "server", "", "Server to connect to (https://HOST:6443)");
  set.AddEnvAlias("server", "SAMPAN_URL");  // k3s: K3S_URL
  set.String(&config->token, "token", "", "Shared secret used to join the cluster");
  set.String(&config->data_dir, "data-dir", "/var/lib/sampan", "Folder to hold state");
  set.String(&config->node_name, "node-name", "", "Node name (default: the host name)");
  set.StringList(&config->node_ip, "node-ip", {},
                 "IPv4/IPv6 addresses to advertise for the node (repeatable, comma-separated)");
}

}  // namespace

std::vector<std::string> AgentFlagNames() {
  flags::FlagSet set("sampan agent", "");
  AgentConfig config;
  DefineAgentFlags(set, &config);
  return set.Names();
}

int RunAgent(const std::vector<std::string>& args) {
  flags::FlagSet set("sampan agent", "Run a node agent that joins a server.");
  AgentConfig config;
  DefineAgentFlags(set, &config);
  set.EnableConfigFile(std::string(kDefaultConfigFile));
  set.IgnoreConfigKeys(ServerFlagNames());
  if (std::optional<int> exit = ParseFlags(set, args)) return *exit;
  PrintError(set.command(), "the agent is not implemented yet; run `sampan server` instead");
  return kExitFailure;
}

}  // namespace sampan::cmd
