// Seccomp: compiles a profile (seccomp_profile.h) with libseccomp and loads it.

#include <fmt/core.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <functional>
#include <memory>

#include "pkg/util/fs.h"
#include "runtime/container/phases.h"
#include "runtime/container/seccomp_profile.h"
#include "runtime/sys/syscalls.h"

namespace sampan::runtime {
namespace {

struct FilterDeleter {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};
using Filter = std::unique_ptr<void, FilterDeleter>;

uint32_t ToAction(SeccompAction action, int errno_ret) {
  switch (action) {
    case SeccompAction::kAllow: return SCMP_ACT_ALLOW;
    case SeccompAction::kErrno: return SCMP_ACT_ERRNO(static_cast<uint16_t>(errno_ret));
    case SeccompAction::kKill: return SCMP_ACT_KILL;
    case SeccompAction::kKillProcess: return SCMP_ACT_KILL_PROCESS;
    case SeccompAction::kTrap: return SCMP_ACT_TRAP;
    case SeccompAction::kLog: return SCMP_ACT_LOG;
  }
  return SCMP_ACT_KILL;
}

Result<scmp_compare> ToOp(const std::string& op) {
  if (op == "SCMP_CMP_NE") return SCMP_CMP_NE;
  if (op == "SCMP_CMP_LT") return SCMP_CMP_LT;
  if (op == "SCMP_CMP_LE") return SCMP_CMP_LE;
  if (op == "SCMP_CMP_EQ") return SCMP_CMP_EQ;
  if (op == "SCMP_CMP_GE") return SCMP_CMP_GE;
  if (op == "SCMP_CMP_GT") return SCMP_CMP_GT;
  if (op == "SCMP_CMP_MASKED_EQ") return SCMP_CMP_MASKED_EQ;
  return Status::Invalid("seccomp: unknown operator " + op);
}

Result<Filter> Compile(const SeccompProfile& profile) {
  uint32_t default_action = ToAction(profile.default_action, profile.default_errno);
  Filter filter(seccomp_init(default_action));
  if (!filter) return Status::Internal("seccomp: seccomp_init failed");
  // 32-bit x86 and x32 binaries get the same rules (as Docker's amd64 profile does).
  seccomp_arch_add(filter.get(), SCMP_ARCH_X86);
  seccomp_arch_add(filter.get(), SCMP_ARCH_X32);
  for (const SeccompRule& rule : profile.rules) {
    uint32_t action = ToAction(rule.action, rule.errno_ret);
    if (action == default_action) continue;  // libseccomp refuses rules equal to the default
    std::vector<scmp_arg_cmp> cmps;
    for (const SeccompArg& a : rule.args) {
      ASSIGN_OR_RETURN(scmp_compare op, ToOp(a.op));
      // MASKED_EQ takes (mask, value): Docker's JSON gives value=mask, valueTwo=expected.
      cmps.push_back(scmp_arg_cmp{a.index, op, a.value, a.value_two});
    }
    for (const std::string& name : rule.names) {
      int nr = seccomp_syscall_resolve_name(name.c_str());
      if (nr == __NR_SCMP_ERROR) continue;  // not a system call on this architecture
      int rc = seccomp_rule_add_array(filter.get(), action, nr, static_cast<unsigned>(cmps.size()),
                                      cmps.empty() ? nullptr : cmps.data());
      if (rc != 0 && rc != -EEXIST) {
        return SyscallError("seccomp", "seccomp_rule_add(" + name + ")", -rc);
      }
    }
  }
  return filter;
}

// A text form of the profile: the cache key.
std::string ProfileKey(const SeccompProfile& p) {
  std::string key = fmt::format("v1 {} {}\n", static_cast<int>(p.default_action), p.default_errno);
  for (const SeccompRule& r : p.rules) {
    key += fmt::format("{} {}", static_cast<int>(r.action), r.errno_ret);
    for (const std::string& n : r.names) key += " " + n;
    for (const SeccompArg& a : r.args) {
      key += fmt::format(" [{} {} {} {}]", a.index, a.value, a.value_two, a.op);
    }
    key += "\n";
  }
  return key;
}

Result<std::string> Export(const SeccompProfile& profile) {
  ASSIGN_OR_RETURN(Filter filter, Compile(profile));
  int fd = ::memfd_create("seccomp", MFD_CLOEXEC);
  if (fd < 0) return SyscallError("seccomp", "memfd_create", errno);
  UniqueFd memfd(fd);
  int rc = seccomp_export_bpf(filter.get(), fd);
  if (rc != 0) return SyscallError("seccomp", "seccomp_export_bpf", -rc);
  if (::lseek(fd, 0, SEEK_SET) != 0) return SyscallError("seccomp", "lseek", errno);
  return ReadAll(fd);
}

}  // namespace

Result<std::string> SeccompProgram(const SecuritySpec& security,
                                   const std::set<std::string>& capabilities,
                                   const std::string& localhost_json,
                                   const std::string& cache_dir) {
  SeccompProfile profile;
  switch (security.seccomp) {
    case SeccompKind::kUnconfined: return std::string();
    case SeccompKind::kRuntimeDefault: profile = RuntimeDefaultProfile(capabilities); break;
    case SeccompKind::kLocalhost:
      ASSIGN_OR_RETURN(profile, ParseSeccompProfile(localhost_json));
      break;
  }
  std::string key = ProfileKey(profile);
  std::string path;
  if (!cache_dir.empty()) {
    path = fmt::format("{}/{:016x}.bpf", cache_dir, std::hash<std::string>{}(key));
    Result<std::string> cached = ReadFileToString(path);
    Result<std::string> cached_key = ReadFileToString(path + ".key");
    if (cached.ok() && cached_key.ok() && *cached_key == key && !cached->empty()) return *cached;
  }
  ASSIGN_OR_RETURN(std::string program, Export(profile));
  if (!path.empty() && MakeDirs(cache_dir, 0700).ok()) {
    // Best effort: the key file goes first, so a reader never pairs a new key with an old
    // program of another profile (same hash) without noticing.
    (void)WriteFileAtomic(path + ".key", key, 0600);
    (void)WriteFileAtomic(path, program, 0600);
  }
  return program;
}

Status SetupSeccomp(InitContext& ctx) {
  if (ctx.seccomp_program.empty()) return Status::Ok();
  const std::string& program = ctx.seccomp_program;
  if (program.size() % sizeof(sock_filter) != 0) return Status::Internal("seccomp: bad program");
  sock_fprog prog{static_cast<unsigned short>(program.size() / sizeof(sock_filter)),
                  reinterpret_cast<sock_filter*>(const_cast<char*>(program.data()))};
  // Without no_new_privs the filter loads thanks to CAP_SYS_ADMIN (still held at this point).
  if (::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) != 0) {
    return SyscallError("seccomp", "prctl(PR_SET_SECCOMP)", errno);
  }
  return Status::Ok();
}

}  // namespace sampan::runtime
