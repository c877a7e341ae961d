// `sampan shim container|sandbox ...`: internal; the runtime re-executes the binary as the
// per-container monitor or a pod's namespace holder (runtime/shim/shim.h). Arguments are
// parsed by hand: a shim stays small and starts fast.

#include "runtime/shim/shim.h"

#include <fmt/core.h>

#include <cstdlib>

#include "cmd/sampan/commands.h"

namespace sampan::cmd {

int RunShim(const std::vector<std::string>& args) {
  if (args.empty() || (args[0] != "container" && args[0] != "sandbox")) {
    PrintError("sampan shim",
               "internal command: sampan shim container|sandbox (started by the runtime)");
    return kExitUsage;
  }
  runtime::ContainerShimArgs container;
  runtime::SandboxHolderArgs sandbox;
  for (size_t i = 1; i + 1 < args.size(); i += 2) {
    const std::string& flag = args[i];
    const std::string& value = args[i + 1];
    if (flag == "--bundle") {
      container.bundle = value;
    } else if (flag == "--dir") {
      sandbox.dir = value;
    } else if (flag == "--ready-fd") {
      container.ready_fd = sandbox.ready_fd = std::atoi(value.c_str());
    } else if (flag == "--stdin-fd") {
      container.stdin_fd = std::atoi(value.c_str());
    } else if (flag == "--rows") {
      container.rows = static_cast<uint16_t>(std::atoi(value.c_str()));
    } else if (flag == "--cols") {
      container.cols = static_cast<uint16_t>(std::atoi(value.c_str()));
    } else {
      PrintError("sampan shim", "unknown flag " + flag);
      return kExitUsage;
    }
  }
  if (args[0] == "container") return runtime::RunContainerShim(container);
  return runtime::RunSandboxHolder(sandbox);
}

}  // namespace sampan::cmd
