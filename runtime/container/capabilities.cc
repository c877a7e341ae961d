// Capabilities: the default 14 of containerd/Docker, add/drop, privileged; bounding,
// inheritable, permitted and effective sets; no_new_privs.

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>

#include "runtime/container/phases.h"
#include "runtime/sys/syscalls.h"

namespace sampan::runtime {
namespace {

constexpr const char* kDefaultCaps[] = {
    "CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",
    "CAP_MKNOD",   "CAP_NET_RAW",      "CAP_SETGID",           "CAP_SETUID",
    "CAP_SETFCAP", "CAP_SETPCAP",      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
    "CAP_KILL",    "CAP_AUDIT_WRITE"};

std::string Normalize(std::string name) {
  for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (name != "ALL" && name.rfind("CAP_", 0) != 0) name = "CAP_" + name;
  return name;
}

int LastCap() {
  static const int kLast = [] {
    std::ifstream in("/proc/sys/kernel/cap_last_cap");
    int last = CAP_LAST_CAP;
    in >> last;
    return last;
  }();
  return kLast;
}

}  // namespace

const std::vector<std::string>& CapabilityNames() {
  static const std::vector<std::string> kNames = {"CAP_CHOWN",
                                                  "CAP_DAC_OVERRIDE",
                                                  "CAP_DAC_READ_SEARCH",
                                                  "CAP_FOWNER",
                                                  "CAP_FSETID",
                                                  "CAP_KILL",
                                                  "CAP_SETGID",
                                                  "CAP_SETUID",
                                                  "CAP_SETPCAP",
                                                  "CAP_LINUX_IMMUTABLE",
                                                  "CAP_NET_BIND_SERVICE",
                                                  "CAP_NET_BROADCAST",
                                                  "CAP_NET_ADMIN",
                                                  "CAP_NET_RAW",
                                                  "CAP_IPC_LOCK",
                                                  "CAP_IPC_OWNER",
                                                  "CAP_SYS_MODULE",
                                                  "CAP_SYS_RAWIO",
                                                  "CAP_SYS_CHROOT",
                                                  "CAP_SYS_PTRACE",
                                                  "CAP_SYS_PACCT",
                                                  "CAP_SYS_ADMIN",
                                                  "CAP_SYS_BOOT",
                                                  "CAP_SYS_NICE",
                                                  "CAP_SYS_RESOURCE",
                                                  "CAP_SYS_TIME",
                                                  "CAP_SYS_TTY_CONFIG",
                                                  "CAP_MKNOD",
                                                  "CAP_LEASE",
                                                  "CAP_AUDIT_WRITE",
                                                  "CAP_AUDIT_CONTROL",
                                                  "CAP_SETFCAP",
                                                  "CAP_MAC_OVERRIDE",
                                                  "CAP_MAC_ADMIN",
                                                  "CAP_SYSLOG",
                                                  "CAP_WAKE_ALARM",
                                                  "CAP_BLOCK_SUSPEND",
                                                  "CAP_AUDIT_READ",
                                                  "CAP_PERFMON",
                                                  "CAP_BPF",
                                                  "CAP_CHECKPOINT_RESTORE"};
  return kNames;
}

Result<std::set<std::string>> ComputeCapabilities(const SecuritySpec& security) {
  const std::vector<std::string>& all = CapabilityNames();
  std::set<std::string> caps;
  if (security.privileged) {
    caps.insert(all.begin(), all.end());
    return caps;
  }
  caps.insert(std::begin(kDefaultCaps), std::end(kDefaultCaps));
  auto known = [&all](const std::string& name) {
    return std::find(all.begin(), all.end(), name) != all.end();
  };
  // Drops apply to the defaults, then adds (Docker's order: "--cap-drop ALL --cap-add X").
  for (const std::string& raw : security.cap_drop) {
    std::string name = Normalize(raw);
    if (name == "ALL") {
      caps.clear();
    } else if (!known(name)) {
      return Status::Invalid("unknown capability to drop: " + raw);
    } else {
      caps.erase(name);
    }
  }
  for (const std::string& raw : security.cap_add) {
    std::string name = Normalize(raw);
    if (name == "ALL") {
      caps.insert(all.begin(), all.end());
    } else if (!known(name)) {
      return Status::Invalid("unknown capability to add: " + raw);
    } else {
      caps.insert(name);
    }
  }
  return caps;
}

namespace {
uint64_t CapabilityMask(const std::set<std::string>& caps) {
  const std::vector<std::string>& names = CapabilityNames();
  int last = std::min<int>(LastCap(), static_cast<int>(names.size()) - 1);
  uint64_t mask = 0;
  for (int i = 0; i <= last; ++i) {
    if (caps.count(names[static_cast<size_t>(i)])) mask |= uint64_t{1} << i;
  }
  return mask;
}
}  // namespace

Status SetupBoundingSet(InitContext& ctx) {
  uint64_t mask = CapabilityMask(ctx.capabilities);
  for (int i = 0; i <= LastCap(); ++i) {
    if (mask & (uint64_t{1} << i)) continue;
    if (::prctl(PR_CAPBSET_DROP, i, 0, 0, 0) != 0 && errno != EINVAL) {
      return SyscallError("capabilities", "prctl(PR_CAPBSET_DROP)", errno);
    }
  }
  return Status::Ok();
}

Status SetupCapabilities(InitContext& ctx) {
  uint64_t mask = CapabilityMask(ctx.capabilities);
  ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (::syscall(SYS_capget, &header, data) != 0)
    return SyscallError("capabilities", "capget", errno);
  mask &= uint64_t{data[0].permitted} | (uint64_t{data[1].permitted} << 32);
  for (int i = 0; i < 2; ++i) {
    uint32_t part = static_cast<uint32_t>(mask >> (32 * i));
    data[i].effective = part;
    data[i].permitted = part;
    data[i].inheritable = 0;  // empty, as runc does since CVE-2022-24769
  }
  if (::syscall(SYS_capset, &header, data) != 0)
    return SyscallError("capabilities", "capset", errno);
  return Status::Ok();
}

Status SetupNoNewPrivileges(InitContext& ctx) {
  if (!ctx.spec->security.no_new_privileges) return Status::Ok();
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    return SyscallError("no_new_privs", "prctl(PR_SET_NO_NEW_PRIVS)", errno);
  }
  return Status::Ok();
}

}  // namespace sampan::runtime
