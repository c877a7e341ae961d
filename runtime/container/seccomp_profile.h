#pragma once
// Seccomp profiles as data: the RuntimeDefault profile (Docker's default semantics: an
// allow-list with EPERM for everything else, namespace-creating clone flags refused without
// CAP_SYS_ADMIN, clone3 answered with ENOSYS so libc falls back to clone, and privileged
// calls allowed only with the capability they need) and Localhost profiles read from a JSON
// file in the OCI/Docker format ({"defaultAction", "defaultErrnoRet", "syscalls": [{"names",
// "action", "errnoRet", "args": [{"index", "value", "valueTwo", "op"}]}]}).
// Compiling a profile into a kernel filter is seccomp.cc's job.

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "pkg/util/status.h"

namespace sampan::runtime {

enum class SeccompAction { kAllow, kErrno, kKill, kKillProcess, kTrap, kLog };

struct SeccompArg {
  unsigned index = 0;
  uint64_t value = 0;
  uint64_t value_two = 0;
  std::string op;  // SCMP_CMP_EQ, SCMP_CMP_MASKED_EQ, ...
};

struct SeccompRule {
  std::vector<std::string> names;
  SeccompAction action = SeccompAction::kAllow;
  int errno_ret = 1;  // EPERM
  std::vector<SeccompArg> args;
};

struct SeccompProfile {
  SeccompAction default_action = SeccompAction::kErrno;
  int default_errno = 1;  // EPERM
  std::vector<SeccompRule> rules;
};

// The RuntimeDefault profile for a process holding `capabilities` ("CAP_SYS_ADMIN", ...).
SeccompProfile RuntimeDefaultProfile(const std::set<std::string>& capabilities);
// Parses a Localhost profile.
Result<SeccompProfile> ParseSeccompProfile(const std::string& json_text);

}  // namespace sampan::runtime
