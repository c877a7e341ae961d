#pragma once
// A process entering its cgroup by itself. The parent opens the cgroup's files before it
// forks or clones; the child, still single-threaded, writes "0" (= the caller) to each.
// On cgroup v1 this writes `tasks`, which the kernel handles without taking the global
// threadgroup lock: a parent writing the child's pid to `cgroup.procs` waits for an RCU
// grace period, several milliseconds per container when the CPUs are busy.

#include <string>
#include <vector>

#include "pkg/util/status.h"
#include "pkg/util/unique_fd.h"
#include "runtime/cgroups/cgroups.h"

namespace sampan::runtime {

class CgroupSelfJoin {
 public:
  // Opens the files for `path` (which must exist).
  static Result<CgroupSelfJoin> Open(Cgroups& cgroups, const std::string& path);

  // In the child: moves the calling process (single-threaded) into the cgroup. Allocates
  // nothing, so it is safe after fork in a multi-threaded parent. Returns 0 or an errno.
  int Join() const;

  // Closes the files (the parent, once the child has them).
  void Close() { files_.clear(); }

 private:
  std::vector<UniqueFd> files_;
};

}  // namespace sampan::runtime
