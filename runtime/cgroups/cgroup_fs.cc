#include "runtime/cgroups/cgroup_fs.h"
#include "runtime/cgroups/device_filter.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <thread>

#include "runtime/sys/syscalls.h"

namespace sampan::runtime {

Status RealCgroupFs::Write(const std::string& path, const std::string& value) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno(errno, "open " + path);
  ssize_t n = ::write(fd, value.data(), value.size());
  int err = errno;
  ::close(fd);
  if (n < 0) return Status::FromErrno(err, "write " + path + " = " + value);
  return Status::Ok();
}

Result<std::string> RealCgroupFs::Read(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno(errno, "open " + path);
  std::string out = ReadAll(fd);
  ::close(fd);
  return out;
}

bool RealCgroupFs::Exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

Status RealCgroupFs::MakeDir(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
    return Status::FromErrno(errno, "mkdir " + path);
  }
  return Status::Ok();
}

Status RealCgroupFs::RemoveDir(const std::string& path) {
  // A cgroup whose last process just exited can stay busy for a moment.
  for (int attempt = 0;; ++attempt) {
    if (::rmdir(path.c_str()) == 0 || errno == ENOENT) return Status::Ok();
    if (errno != EBUSY || attempt >= 100) return Status::FromErrno(errno, "rmdir " + path);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

Status RealCgroupFs::RestrictDevices(const std::string& dir,
                                     const std::vector<std::string>& rules) {
  ASSIGN_OR_RETURN(std::vector<DeviceRule> parsed, ParseDeviceRules(rules));
  return AttachDeviceFilter(dir, parsed);
}

}  // namespace sampan::runtime
