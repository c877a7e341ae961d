#include "net/netns.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <sys/vfs.h>

#include <cerrno>
#include <thread>

namespace sampan::net {

Result<UniqueFd> OpenNetns(const std::string& path) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return Status::FromErrno(errno, "open netns " + path);
  struct statfs fs {};
  if (fstatfs(fd.get(), &fs) != 0) return Status::FromErrno(errno, "fstatfs " + path);
  if (fs.f_type != NSFS_MAGIC) return Status::Invalid(path + " is not a namespace file");
  // setns with CLONE_NEWNET fails later with EINVAL if it is another kind of namespace.
  return fd;
}

Result<UniqueFd> OpenCurrentNetns() { return OpenNetns("/proc/thread-self/ns/net"); }

Status RunInNetns(int netns_fd, const std::function<Status()>& fn) {
  Status result;
  std::thread worker([&] {
    if (setns(netns_fd, CLONE_NEWNET) != 0) {
      result = Status::FromErrno(errno, "setns(CLONE_NEWNET)");
      return;
    }
    result = fn();
  });
  worker.join();
  return result;
}

}  // namespace sampan::net
