#pragma once
// The cgroup v2 device filter: cgroup v2 has no devices controller; access to device nodes
// is decided by a BPF_PROG_TYPE_CGROUP_DEVICE program attached to the cgroup. This builds
// one that allows exactly what a list of v1 rules ("c 1:3 rwm", "b *:* m", "a") allows and
// denies the rest, as the v1 devices controller does after "a" is written to devices.deny.
// Without it, an unprivileged container on a v2 host could mknod and open any device.

#include <linux/bpf.h>

#include <cstdint>
#include <string>
#include <vector>

#include "pkg/util/status.h"

namespace sampan::runtime {

struct DeviceRule {
  char type = 'a';      // 'a' (any), 'b' (block) or 'c' (char)
  int64_t major = -1;   // -1: any
  int64_t minor = -1;   // -1: any
  uint32_t access = 0;  // BPF_DEVCG_ACC_MKNOD | _READ | _WRITE
};

// Parses v1 devices.allow syntax; a malformed rule is an Invalid error naming it.
Result<std::vector<DeviceRule>> ParseDeviceRules(const std::vector<std::string>& rules);

// The program: returns 1 (allow) when a rule matches the access, else 0.
std::vector<bpf_insn> DeviceFilterProgram(const std::vector<DeviceRule>& rules);

// Loads the program and attaches it to the cgroup directory (absolute path). A cgroup that
// already has a device program keeps it (Apply may run again on the same cgroup).
Status AttachDeviceFilter(const std::string& cgroup_dir, const std::vector<DeviceRule>& rules);

}  // namespace sampan::runtime
