// Bind mounts given by the caller (volumes), mounted under the new root before pivot_root.
// Targets are resolved inside the root (ResolveInRoot), so an image's symlink cannot point
// a mount at a host path.

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <deque>

#include "runtime/container/phases.h"
#include "runtime/sys/syscalls.h"

namespace sampan::runtime {
namespace {

std::deque<std::string> SplitPath(const std::string& path) {
  std::deque<std::string> out;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) out.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

}  // namespace

Result<std::string> ResolveInRoot(const std::string& root, const std::string& path) {
  std::deque<std::string> todo = SplitPath(path);
  std::string resolved;  // "" = the root; always starts with '/' otherwise
  int links = 0;
  while (!todo.empty()) {
    std::string part = std::move(todo.front());
    todo.pop_front();
    if (part == ".") continue;
    if (part == "..") {
      size_t slash = resolved.rfind('/');
      resolved = slash == std::string::npos ? "" : resolved.substr(0, slash);
      continue;
    }
    std::string candidate = resolved + "/" + part;
    struct stat st;
    if (::lstat((root + candidate).c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) {
      resolved = candidate;
      continue;
    }
    if (++links > 40) return SyscallError("volumes", "resolve(" + path + ")", ELOOP);
    char buf[4096];
    ssize_t n = ::readlink((root + candidate).c_str(), buf, sizeof buf - 1);
    if (n < 0) return SyscallError("volumes", "readlink(" + candidate + ")", errno);
    std::string target(buf, static_cast<size_t>(n));
    if (!target.empty() && target[0] == '/') resolved.clear();
    std::deque<std::string> parts = SplitPath(target);
    todo.insert(todo.begin(), parts.begin(), parts.end());
  }
  return root + resolved;
}

Status SetupVolumes(InitContext& ctx) {
  for (const BindMount& m : ctx.spec->mounts) {
    struct stat st;
    if (::stat(m.host_path.c_str(), &st) != 0) {
      return SyscallError("volumes", "stat(" + m.host_path + ")", errno);
    }
    if (m.container_path.empty() || m.container_path[0] != '/') {
      return Status::Invalid("volumes: container path must be absolute: " + m.container_path);
    }
    ASSIGN_OR_RETURN(std::string target, ResolveInRoot(ctx.rootfs, m.container_path));
    std::string relative = target.substr(ctx.rootfs.size());
    if (S_ISDIR(st.st_mode)) {
      RETURN_IF_ERROR(MakeDirIn(ctx.rootfs, relative, "volumes"));
    } else {
      RETURN_IF_ERROR(MakeDirIn(ctx.rootfs, relative.substr(0, relative.rfind('/')), "volumes"));
      int f = ::open(target.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
      if (f < 0) return SyscallError("volumes", "create(" + m.container_path + ")", errno);
      ::close(f);
    }
    if (::mount(m.host_path.c_str(), target.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0) {
      return SyscallError("volumes", "mount(bind " + m.host_path + " " + m.container_path + ")",
                          errno);
    }
    if (m.read_only &&
        ::mount(nullptr, target.c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY, nullptr) != 0) {
      return SyscallError("volumes", "mount(remount ro " + m.container_path + ")", errno);
    }
    unsigned long propagation = MS_PRIVATE;
    if (m.propagation == Propagation::kHostToContainer) propagation = MS_SLAVE;
    if (m.propagation == Propagation::kBidirectional) propagation = MS_SHARED;
    if (::mount(nullptr, target.c_str(), nullptr, MS_REC | propagation, nullptr) != 0) {
      return SyscallError("volumes", "mount(propagation " + m.container_path + ")", errno);
    }
  }
  return Status::Ok();
}

}  // namespace sampan::runtime
