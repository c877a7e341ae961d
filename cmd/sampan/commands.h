#pragma once
// The subcommands of the sampan binary and the helpers they share. Each Run* function gets
// the arguments after its name and returns the process exit code.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pkg/util/flags.h"

namespace sampan::cmd {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // the command ran and failed
inline constexpr int kExitUsage = 2;    // bad command line, environment or config file

// Shared by server and agent, as k3s shares /etc/rancher/k3s/config.yaml.
inline constexpr std::string_view kDefaultConfigFile = "/etc/sampan/config.yaml";

int RunServer(const std::vector<std::string>& args);
int RunAgent(const std::vector<std::string>& args);
int RunVersion(const std::vector<std::string>& args);
int RunImages(const std::vector<std::string>& args);
int RunCtr(const std::vector<std::string>& args);
int RunShim(const std::vector<std::string>& args);
int RunKubectl(const std::vector<std::string>& args);

// Flag names of server and agent: each accepts the other's keys in the shared config file.
std::vector<std::string> ServerFlagNames();
std::vector<std::string> AgentFlagNames();

// Parses flags for a command. Returns an exit code if the command must stop now (usage was
// printed for --help, or an error for bad input), nullopt if it should go on.
// Positional arguments are an error unless `allow_positional`.
std::optional<int> ParseFlags(flags::FlagSet& set, const std::vector<std::string>& args,
                              bool allow_positional = false);

// "sampan server: error: MESSAGE" on stderr.
void PrintError(std::string_view command, std::string_view message);

}  // namespace sampan::cmd
