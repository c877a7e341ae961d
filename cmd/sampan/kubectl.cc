// `sampan kubectl`: kubectl's flags are parsed by pkg/kubectl itself (they differ from
// sampan's own flag style), so this only hands the arguments over.
#include "pkg/kubectl/kubectl.h"

#include <iostream>

#include "cmd/sampan/commands.h"

namespace sampan::cmd {

int RunKubectl(const std::vector<std::string>& args) {
  return kubectl::RunKubectl(args, std::cout, std::cerr);
}

}  // namespace sampan::cmd
