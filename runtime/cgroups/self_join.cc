#include "runtime/cgroups/self_join.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "runtime/sys/syscalls.h"

namespace sampan::runtime {

Result<CgroupSelfJoin> CgroupSelfJoin::Open(Cgroups& cgroups, const std::string& path) {
  CgroupSelfJoin join;
  for (const std::string& file : cgroups.SelfJoinFiles(path)) {
    int fd = ::open(file.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return SyscallError("join cgroup", "open " + file, errno);
    join.files_.emplace_back(fd);
  }
  return join;
}

int CgroupSelfJoin::Join() const {
  for (const UniqueFd& file : files_) {
    ssize_t n;
    do {
      n = ::write(file.get(), "0", 1);
    } while (n < 0 && errno == EINTR);
    if (n != 1) return n < 0 ? errno : EIO;
  }
  return 0;
}

}  // namespace sampan::runtime
