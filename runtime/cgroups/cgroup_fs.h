#pragma once
// CgroupFs: the seam between the cgroup drivers and the kernel's cgroup file systems. The
// drivers only read, write, create and remove files and directories through it, so unit
// tests run them against an in-memory fake (test/fakes/fake_cgroup_fs.h) and integration
// tests against the real /sys/fs/cgroup. Paths are absolute.

#include <string>
#include <vector>

#include "pkg/util/status.h"

namespace sampan::runtime {

class CgroupFs {
 public:
  virtual ~CgroupFs() = default;
  virtual Status Write(const std::string& path, const std::string& value) = 0;
  virtual Result<std::string> Read(const std::string& path) = 0;
  virtual bool Exists(const std::string& path) = 0;
  // mkdir of one directory; an existing directory is OK.
  virtual Status MakeDir(const std::string& path) = 0;
  // rmdir of one (empty of child cgroups) directory; a missing one is OK.
  virtual Status RemoveDir(const std::string& path) = 0;
  // cgroup v2: attaches a device filter allowing only `rules` (v1 devices.allow syntax) to
  // the cgroup directory `dir` (see device_filter.h).
  virtual Status RestrictDevices(const std::string& dir, const std::vector<std::string>& rules) = 0;
};

// The kernel's cgroup file systems.
class RealCgroupFs final : public CgroupFs {
 public:
  Status Write(const std::string& path, const std::string& value) override;
  Result<std::string> Read(const std::string& path) override;
  bool Exists(const std::string& path) override;
  Status MakeDir(const std::string& path) override;
  Status RemoveDir(const std::string& path) override;
  Status RestrictDevices(const std::string& dir, const std::vector<std::string>& rules) override;
};

}  // namespace sampan::runtime
