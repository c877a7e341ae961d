// Host name (own UTS namespace only) and namespaced sysctls.

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "runtime/container/phases.h"
#include "runtime/sys/syscalls.h"

namespace sampan::runtime {

Status SetupHostname(InitContext& ctx) {
  const ContainerSpec& spec = *ctx.spec;
  if (spec.hostname.empty() || spec.namespaces.uts != NamespaceMode::kContainer) {
    return Status::Ok();
  }
  if (::sethostname(spec.hostname.data(), spec.hostname.size()) != 0) {
    return SyscallError("hostname", "sethostname", errno);
  }
  return Status::Ok();
}

Status ValidateSysctl(const ContainerSpec& spec, const std::string& key) {
  auto starts = [&key](std::string_view prefix) { return key.rfind(prefix, 0) == 0; };
  if (starts("net.")) {
    if (spec.namespaces.network == NamespaceMode::kHost) {
      return Status::Invalid("sysctl " + key + " is not allowed with the host network");
    }
    return Status::Ok();
  }
  if (starts("kernel.shm") || starts("kernel.msg") || key == "kernel.sem" || starts("fs.mqueue.")) {
    if (spec.namespaces.ipc == NamespaceMode::kHost) {
      return Status::Invalid("sysctl " + key + " is not allowed with the host IPC namespace");
    }
    return Status::Ok();
  }
  return Status::Invalid("sysctl " + key + " is not namespaced");
}

Status SetupSysctls(InitContext& ctx) {
  for (const auto& [key, value] : ctx.spec->sysctls) {
    RETURN_IF_ERROR(ValidateSysctl(*ctx.spec, key));
    std::string path = "/proc/sys/" + key;
    for (size_t i = 10; i < path.size(); ++i) {
      if (path[i] == '.') path[i] = '/';
    }
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return SyscallError("sysctls", "open(" + path + ")", errno);
    UniqueFd guard(fd);
    if (!WriteAll(fd, value)) return SyscallError("sysctls", "write(" + path + ")", errno);
  }
  return Status::Ok();
}

}  // namespace sampan::runtime
