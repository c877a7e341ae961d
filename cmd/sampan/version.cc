// `sampan version` and `sampan --version`: what was built, from which commit, and how.

#include <fmt/core.h>

#include "build_info.h"
#include "cmd/sampan/commands.h"

namespace sampan::cmd {

int RunVersion(const std::vector<std::string>& args) {
  flags::FlagSet set("sampan version", "Print the version, git commit and build flags.");
  if (std::optional<int> exit = ParseFlags(set, args)) return *exit;
  // The first line matches k3s ("k3s version v1.26.4+k3s1 (8d0255af)"), which scripts parse.
  fmt::print("sampan version {} ({})\nbuild: {}\n", SAMPAN_VERSION, SAMPAN_GIT_COMMIT,
             SAMPAN_BUILD_FLAGS);
  return kExitOk;
}

}  // namespace sampan::cmd
