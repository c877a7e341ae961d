// Bind mounts given by the caller (volumes). Sources are opened on the host side before
// pivot_root and mounted through /proc/self/fd afterwards, so targets resolve inside the
// container's root (an image's symlink cannot point a mount at the host).

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "runtime/container/phases.h"
#include "runtime/sys/syscalls.h"

namespace sampan::runtime {

Status OpenVolumeSources(InitContext& ctx) {
  ctx.volume_fds.clear();
  for (const BindMount& m : ctx.spec->mounts) {
    int fd = ::open(m.host_path.c_str(), O_PATH | O_CLOEXEC);
    if (fd < 0) return SyscallError("volumes", "open(" + m.host_path + ")", errno);
    ctx.volume_fds.emplace_back(fd);
  }
  return Status::Ok();
}

Status SetupVolumes(InitContext& ctx) {
  for (size_t i = 0; i < ctx.spec->mounts.size(); ++i) {
    const BindMount& m = ctx.spec->mounts[i];
    int fd = ctx.volume_fds[i].get();
    struct stat st;
    if (::fstat(fd, &st) != 0) return SyscallError("volumes", "fstat(" + m.host_path + ")", errno);
    const std::string& target = m.container_path;
    if (target.empty() || target[0] != '/') {
      return Status::Invalid("volumes: container path must be absolute: " + target);
    }
    if (S_ISDIR(st.st_mode)) {
      RETURN_IF_ERROR(MakeDirIn("", target, "volumes"));
    } else {
      std::string parent = target.substr(0, target.rfind('/'));
      RETURN_IF_ERROR(MakeDirIn("", parent, "volumes"));
      int f = ::open(target.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
      if (f < 0) return SyscallError("volumes", "create(" + target + ")", errno);
      ::close(f);
    }
    std::string source = "/proc/self/fd/" + std::to_string(fd);
    if (::mount(source.c_str(), target.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0) {
      return SyscallError("volumes", "mount(bind " + m.host_path + " " + target + ")", errno);
    }
    if (m.read_only &&
        ::mount(nullptr, target.c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY, nullptr) != 0) {
      return SyscallError("volumes", "mount(remount ro " + target + ")", errno);
    }
    unsigned long propagation = MS_PRIVATE;
    if (m.propagation == Propagation::kHostToContainer) propagation = MS_SLAVE;
    if (m.propagation == Propagation::kBidirectional) propagation = MS_SHARED;
    if (::mount(nullptr, target.c_str(), nullptr, MS_REC | propagation, nullptr) != 0) {
      return SyscallError("volumes", "mount(propagation " + target + ")", errno);
    }
  }
  ctx.volume_fds.clear();
  return Status::Ok();
}

}  // namespace sampan::runtime
