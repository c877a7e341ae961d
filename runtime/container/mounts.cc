// The kernel file systems inside the container: /proc, /dev, /sys, /sys/fs/cgroup. Mounted
// under the new root before pivot_root.

#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>

#include "runtime/container/phases.h"
#include "runtime/sys/syscalls.h"

namespace sampan::runtime {
namespace {}  // namespace

Status MakeDirIn(const std::string& root, const std::string& path, std::string_view phase) {
  std::string current = root;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) {
      current += "/" + path.substr(i, j - i);
      if (::mkdir(current.c_str(), 0755) != 0 && errno != EEXIST) {
        return SyscallError(phase, "mkdir(" + current + ")", errno);
      }
    }
    i = j + 1;
  }
  return Status::Ok();
}

namespace {

Status Mount(std::string_view phase, const char* source, const std::string& target,
             const char* type, unsigned long flags, const char* data) {
  if (::mount(source, target.c_str(), type, flags, data) != 0) {
    return SyscallError(phase, std::string("mount(") + type + " " + target + ")", errno);
  }
  return Status::Ok();
}

struct DeviceNode {
  const char* name;
  unsigned major;
  unsigned minor;
};
constexpr DeviceNode kDevices[] = {{"null", 1, 3}, {"zero", 1, 5},   {"full", 1, 7},
                                   {"tty", 5, 0},  {"random", 1, 8}, {"urandom", 1, 9}};

}  // namespace

Status SetupProc(InitContext& ctx) {
  std::string target = ctx.rootfs + "/proc";
  RETURN_IF_ERROR(MakeDirIn(ctx.rootfs, "proc", "proc"));
  return Mount("proc", "proc", target, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr);
}

Status SetupDev(InitContext& ctx) {
  const std::string dev = ctx.rootfs + "/dev";
  RETURN_IF_ERROR(MakeDirIn(ctx.rootfs, "dev", "dev"));
  RETURN_IF_ERROR(
      Mount("dev", "tmpfs", dev, "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k"));
  for (const DeviceNode& d : kDevices) {
    std::string path = dev + "/" + d.name;
    // mknod, as runc does outside user namespaces; umask must not narrow the mode.
    if (::mknod(path.c_str(), S_IFCHR | 0666, makedev(d.major, d.minor)) != 0) {
      return SyscallError("dev", "mknod(" + path + ")", errno);
    }
    if (::chmod(path.c_str(), 0666) != 0) return SyscallError("dev", "chmod(" + path + ")", errno);
  }
  const std::pair<const char*, const char*> kLinks[] = {{"/proc/self/fd", "fd"},
                                                        {"/proc/self/fd/0", "stdin"},
                                                        {"/proc/self/fd/1", "stdout"},
                                                        {"/proc/self/fd/2", "stderr"},
                                                        {"pts/ptmx", "ptmx"}};
  for (const auto& [target, name] : kLinks) {
    std::string path = dev + "/" + name;
    if (::symlink(target, path.c_str()) != 0) {
      return SyscallError("dev", "symlink(" + path + ")", errno);
    }
  }
  RETURN_IF_ERROR(MakeDirIn(ctx.rootfs, "dev/pts", "dev"));
  RETURN_IF_ERROR(Mount("dev", "devpts", dev + "/pts", "devpts", MS_NOSUID | MS_NOEXEC,
                        "newinstance,ptmxmode=0666,mode=0620,gid=5"));
  RETURN_IF_ERROR(MakeDirIn(ctx.rootfs, "dev/shm", "dev"));
  RETURN_IF_ERROR(Mount("dev", "shm", dev + "/shm", "tmpfs", MS_NOSUID | MS_NOEXEC | MS_NODEV,
                        "mode=1777,size=65536k"));
  RETURN_IF_ERROR(MakeDirIn(ctx.rootfs, "dev/mqueue", "dev"));
  // mqueue belongs to the IPC namespace: with the host's IPC it is not ours to mount anew.
  if (ctx.spec->namespaces.ipc != NamespaceMode::kHost) {
    RETURN_IF_ERROR(Mount("dev", "mqueue", dev + "/mqueue", "mqueue",
                          MS_NOSUID | MS_NOEXEC | MS_NODEV, nullptr));
  }
  return Status::Ok();
}

Status SetupSys(InitContext& ctx) {
  std::string target = ctx.rootfs + "/sys";
  RETURN_IF_ERROR(MakeDirIn(ctx.rootfs, "sys", "sys"));
  unsigned long flags = MS_NOSUID | MS_NOEXEC | MS_NODEV;
  if (!ctx.spec->security.privileged) flags |= MS_RDONLY;
  // A fresh sysfs shows the network devices of the namespace we are in (own, pod's or
  // host's); without user namespaces root may mount it in any of them.
  return Mount("sys", "sysfs", target, "sysfs", flags, nullptr);
}

Status SetupCgroupMount(InitContext& ctx) {
  std::string target = ctx.rootfs + "/sys/fs/cgroup";
  if (::access(target.c_str(), F_OK) != 0) return Status::Ok();  // sysfs without cgroup dir
  unsigned long ro = ctx.spec->security.privileged ? 0 : MS_RDONLY;
  unsigned long flags = MS_NOSUID | MS_NOEXEC | MS_NODEV | ro;
  if (ctx.cgroup_version == CgroupVersion::kV2) {
    return Mount("cgroup mount", "cgroup2", target, "cgroup2", flags, nullptr);
  }
  // v1: a tmpfs holding one mount per controller, rooted at our cgroup (cgroup namespace).
  RETURN_IF_ERROR(Mount("cgroup mount", "tmpfs", target, "tmpfs", MS_NOSUID | MS_NOEXEC | MS_NODEV,
                        "mode=755"));
  for (const std::string& controller : ctx.v1_controllers) {
    std::string dir = target + "/" + controller;
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
      return SyscallError("cgroup mount", "mkdir(" + dir + ")", errno);
    }
    RETURN_IF_ERROR(Mount("cgroup mount", "cgroup", dir, "cgroup", flags, controller.c_str()));
  }
  if (ro) {
    RETURN_IF_ERROR(Mount("cgroup mount", nullptr, target, "tmpfs",
                          MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NOEXEC | MS_NODEV, "mode=755"));
  }
  return Status::Ok();
}

}  // namespace sampan::runtime
