// sampan: Kubernetes in one static binary. main() only picks the subcommand.

#include <fmt/core.h>
#include <malloc.h>

#include <string>
#include <string_view>
#include <vector>

#include "build_info.h"
#include "cmd/sampan/commands.h"

namespace sampan::cmd {
namespace {

struct Command {
  std::string_view name;
  std::string_view summary;
  int (*run)(const std::vector<std::string>& args);
};

constexpr Command kCommands[] = {
    {"server", "Run the control plane, the store and (unless --disable-agent) a node agent",
     RunServer},
    {"agent", "Run a node agent that joins a server", RunAgent},
    {"images", "Import, pull, list, remove and export container images", RunImages},
    {"ctr", "Run and inspect containers directly (run, ps, logs, exec, stop, rm, inspect)", RunCtr},
    {"kubectl", "Run kubectl's everyday verbs against the cluster (get, apply, delete, logs, ...)",
     RunKubectl},
    {"shim", "Internal: a container's monitor, started by the runtime", RunShim},
    {"version", "Print the version, git commit and build flags", RunVersion},
};

std::string Usage() {
  std::string out = fmt::format(
      "sampan {}: Kubernetes in one static binary\n\n"
      "Usage:\n  sampan COMMAND [flags]\n\nCommands:\n",
      SAMPAN_VERSION);
  for (const Command& c : kCommands) out += fmt::format("  {:<9} {}\n", c.name, c.summary);
  out += fmt::format("  {:<9} {}\n", "help", "Show this help, or a command's (sampan help server)");
  out +=
      "\nFlags:\n"
      "  -h, --help     Show this help\n"
      "  -v, --version  Print the version\n"
      "\nRun 'sampan COMMAND --help' for the flags of a command.\n";
  return out;
}

const Command* Find(std::string_view name) {
  for (const Command& c : kCommands) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

int UsageError(std::string_view message) {
  PrintError("sampan", message);
  fmt::print(stderr, "\n{}", Usage());
  return kExitUsage;
}

int Main(const std::vector<std::string>& args) {
  if (args.empty()) return UsageError("no command given");
  const std::string& name = args[0];
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (name == "-h" || name == "--help") {
    fmt::print("{}", Usage());
    return kExitOk;
  }
  if (name == "-v" || name == "--version") return RunVersion({});
  if (name == "help") {
    if (rest.empty()) {
      fmt::print("{}", Usage());
      return kExitOk;
    }
    const Command* command = Find(rest[0]);
    if (command == nullptr) return UsageError(fmt::format("unknown command \"{}\"", rest[0]));
    return command->run({"--help"});
  }
  const Command* command = Find(name);
  if (command == nullptr) {
    if (name.starts_with("-")) return UsageError(fmt::format("unknown flag {}", name));
    return UsageError(fmt::format("unknown command \"{}\"", name));
  }
  return command->run(rest);
}

}  // namespace
}  // namespace sampan::cmd

int main(int argc, char** argv) {
  // Memory on small devices: a fixed mmap threshold returns large buffers (list responses,
  // watch bursts) to the kernel when freed, instead of glibc raising the threshold and
  // keeping them in the heap; two arenas stop every worker thread growing a heap of its own.
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  mallopt(M_ARENA_MAX, 2);
  std::vector<std::string> args(argv + 1, argv + argc);
  return sampan::cmd::Main(args);
}
