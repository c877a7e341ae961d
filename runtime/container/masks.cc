// Masked paths (unreadable) and read-only paths of /proc and /sys.

#include <sys/mount.h>
#include <sys/stat.h>

#include <cerrno>

#include "runtime/container/phases.h"
#include "runtime/sys/syscalls.h"

namespace sampan::runtime {

Status SetupMaskedPaths(InitContext& ctx) {
  const SecuritySpec& sec = ctx.spec->security;
  if (sec.privileged && !sec.masked_paths) return Status::Ok();
  const std::vector<std::string>& paths =
      sec.masked_paths ? *sec.masked_paths : DefaultMaskedPaths();
  for (const std::string& path : paths) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) {
      if (errno == ENOENT) continue;
      return SyscallError("masked paths", "stat(" + path + ")", errno);
    }
    int rc;
    if (S_ISDIR(st.st_mode)) {
      rc = ::mount("tmpfs", path.c_str(), "tmpfs", MS_RDONLY, "size=0");
    } else {
      rc = ::mount("/dev/null", path.c_str(), nullptr, MS_BIND, nullptr);
    }
    if (rc != 0) return SyscallError("masked paths", "mount(" + path + ")", errno);
  }
  return Status::Ok();
}

Status SetupReadonlyPaths(InitContext& ctx) {
  const SecuritySpec& sec = ctx.spec->security;
  if (sec.privileged && !sec.readonly_paths) return Status::Ok();
  const std::vector<std::string>& paths =
      sec.readonly_paths ? *sec.readonly_paths : DefaultReadonlyPaths();
  for (const std::string& path : paths) {
    if (::mount(path.c_str(), path.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0) {
      if (errno == ENOENT) continue;
      return SyscallError("read-only paths", "mount(bind " + path + ")", errno);
    }
    if (::mount(nullptr, path.c_str(), nullptr,
                MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                nullptr) != 0) {
      return SyscallError("read-only paths", "mount(remount ro " + path + ")", errno);
    }
  }
  return Status::Ok();
}

}  // namespace sampan::runtime
