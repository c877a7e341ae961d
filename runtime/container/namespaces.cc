// Namespaces: which ones a container gets, the cgroup namespace, loopback in a new netns.

#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "runtime/container/phases.h"
#include "runtime/sys/syscalls.h"

namespace sampan::runtime {

unsigned long CloneFlags(const ContainerSpec& spec) {
  // Always its own mount namespace. PID: its own unless shared with the pod or the host.
  unsigned long flags = CLONE_NEWNS;
  if (spec.namespaces.pid == NamespaceMode::kContainer) flags |= CLONE_NEWPID;
  if (spec.namespaces.network == NamespaceMode::kContainer) flags |= CLONE_NEWNET;
  if (spec.namespaces.ipc == NamespaceMode::kContainer) flags |= CLONE_NEWIPC;
  if (spec.namespaces.uts == NamespaceMode::kContainer) flags |= CLONE_NEWUTS;
  return flags;
}

Status SetupCgroupNamespace(InitContext& ctx) {
  // Last namespace, after the parent moved us into our cgroup: that cgroup becomes our root.
  if (ctx.spec->security.privileged && ctx.spec->namespaces.pid == NamespaceMode::kHost) {
    return Status::Ok();
  }
  if (::unshare(CLONE_NEWCGROUP) != 0) return SyscallError("cgroup namespace", "unshare", errno);
  return Status::Ok();
}

Status SetupLoopback() {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return SyscallError("loopback", "socket", errno);
  ifreq req{};
  std::strncpy(req.ifr_name, "lo", IFNAMSIZ - 1);
  int rc = ::ioctl(fd, SIOCGIFFLAGS, &req);
  if (rc == 0) {
    req.ifr_flags = static_cast<short>(req.ifr_flags | IFF_UP | IFF_RUNNING);
    rc = ::ioctl(fd, SIOCSIFFLAGS, &req);
  }
  int err = errno;
  ::close(fd);
  if (rc != 0) return SyscallError("loopback", "ioctl(SIOCSIFFLAGS lo)", err);
  return Status::Ok();
}

}  // namespace sampan::runtime
