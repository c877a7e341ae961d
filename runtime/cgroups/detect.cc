// Picks the cgroup driver from the host's mount table.

#include <sstream>
#include <string>

#include "runtime/cgroups/cgroups.h"

namespace sampan::runtime {

Result<std::unique_ptr<Cgroups>> DetectCgroups(CgroupFs& fs, const std::string& root) {
  ASSIGN_OR_RETURN(std::string mounts, fs.Read("/proc/self/mounts"));
  std::istringstream in(mounts);
  std::string line;
  std::vector<V1Mount> v1;
  std::string v2_at_root;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string source, target, type, options;
    fields >> source >> target >> type >> options;
    if (type == "cgroup2" && target == "/sys/fs/cgroup") v2_at_root = target;
    if (type != "cgroup") continue;
    std::istringstream opts(options);
    std::string opt;
    while (std::getline(opts, opt, ',')) {
      for (const std::string& c : V1Controllers()) {
        if (opt != c) continue;
        bool seen = false;
        for (const V1Mount& m : v1) seen = seen || m.controller == c;
        if (!seen) v1.push_back({c, target});
      }
    }
  }
  if (!v2_at_root.empty()) return NewCgroupV2(fs, v2_at_root, root);
  for (const char* needed : {"cpu", "cpuacct", "memory", "pids"}) {
    bool found = false;
    for (const V1Mount& m : v1) found = found || m.controller == needed;
    if (!found) {
      return Status::Unavailable(std::string("cgroups: no cgroup2 on /sys/fs/cgroup and the v1 ") +
                                 needed + " controller is not mounted");
    }
  }
  return NewCgroupV1(fs, std::move(v1), root);
}

}  // namespace sampan::runtime
