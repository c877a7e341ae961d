// Root file system: the overlay (lower dirs + per-container upper/work) and pivot_root.

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "runtime/container/phases.h"
#include "runtime/sys/syscalls.h"

namespace sampan::runtime {

Status SetupRootfs(InitContext& ctx) {
  // Nothing we mount from here on may propagate back to the host; the host's later mounts
  // still reach us (rslave), as with runc's default.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) != 0) {
    return SyscallError("rootfs", "mount(/, MS_REC|MS_SLAVE)", errno);
  }
  const ContainerSpec& spec = *ctx.spec;
  if (spec.lower_dirs.empty()) return Status::Invalid("rootfs: no lower directories");
  std::string lower;
  for (const std::string& dir : spec.lower_dirs) {
    if (!lower.empty()) lower += ':';
    lower += dir;
  }
  std::string options =
      "lowerdir=" + lower + ",upperdir=" + ctx.upper_dir + ",workdir=" + ctx.work_dir;
  if (::mount("overlay", ctx.rootfs.c_str(), "overlay", 0, options.c_str()) != 0) {
    return SyscallError("rootfs", "mount(overlay " + ctx.rootfs + ")", errno);
  }
  return Status::Ok();
}

Status SetupPivotRoot(InitContext& ctx) {
  int old_root = ::open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (old_root < 0) return SyscallError("pivot_root", "open(/)", errno);
  UniqueFd old_root_fd(old_root);
  if (::chdir(ctx.rootfs.c_str()) != 0) return SyscallError("pivot_root", "chdir(rootfs)", errno);
  // pivot_root(".", "."): the old root ends up stacked under the new one; detach it.
  if (::syscall(SYS_pivot_root, ".", ".") != 0) {
    return SyscallError("pivot_root", "pivot_root", errno);
  }
  if (::fchdir(old_root_fd.get()) != 0) return SyscallError("pivot_root", "fchdir", errno);
  if (::mount(nullptr, ".", nullptr, MS_SLAVE | MS_REC, nullptr) != 0) {
    return SyscallError("pivot_root", "mount(old root, MS_SLAVE)", errno);
  }
  if (::umount2(".", MNT_DETACH) != 0)
    return SyscallError("pivot_root", "umount2(old root)", errno);
  if (::chdir("/") != 0) return SyscallError("pivot_root", "chdir(/)", errno);
  return Status::Ok();
}

Status SetupReadonlyRootfs(InitContext& ctx) {
  if (!ctx.spec->security.read_only_rootfs) return Status::Ok();
  if (::mount(nullptr, "/", nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY, nullptr) != 0) {
    return SyscallError("read-only rootfs", "mount(/, MS_REMOUNT|MS_RDONLY)", errno);
  }
  return Status::Ok();
}

}  // namespace sampan::runtime
