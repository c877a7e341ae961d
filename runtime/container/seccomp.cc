// Seccomp: compiles a profile (seccomp_profile.h) with libseccomp and loads it.

#include <seccomp.h>

#include <cerrno>
#include <memory>

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

}  // namespace

Status SetupSeccomp(InitContext& ctx) {
  const SecuritySpec& sec = ctx.spec->security;
  SeccompProfile profile;
  switch (sec.seccomp) {
    case SeccompKind::kUnconfined: return Status::Ok();
    case SeccompKind::kRuntimeDefault:
      profile = RuntimeDefaultProfile(ctx.capabilities);
      break;
    case SeccompKind::kLocalhost: {
      ASSIGN_OR_RETURN(profile, ParseSeccompProfile(ctx.seccomp_profile_json));
      break;
    }
  }
  ASSIGN_OR_RETURN(Filter filter, Compile(profile));
  // Without no_new_privs the filter loads thanks to CAP_SYS_ADMIN; keep the flag as the spec
  // says, not as libseccomp's default.
  seccomp_attr_set(filter.get(), SCMP_FLTATR_CTL_NNP, sec.no_new_privileges ? 1 : 0);
  int rc = seccomp_load(filter.get());
  if (rc != 0) return SyscallError("seccomp", "seccomp_load", -rc);
  return Status::Ok();
}

}  // namespace sampan::runtime
