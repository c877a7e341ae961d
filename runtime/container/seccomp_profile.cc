#include "runtime/container/seccomp_profile.h"

#include <sched.h>

#include <cerrno>
#include <nlohmann/json.hpp>

namespace sampan::runtime {
namespace {

// System calls any container may make.
constexpr const char* kAllowed[] = {
    "accept", "accept4", "access", "adjtimex", "alarm", "arch_prctl", "bind", "brk", "cachestat",
    "capget", "capset", "chdir", "chmod", "chown", "chown32", "clock_adjtime",
    "clock_adjtime64", "clock_getres", "clock_getres_time64", "clock_gettime",
    "clock_gettime64", "clock_nanosleep", "clock_nanosleep_time64", "close", "close_range",
    "connect", "copy_file_range", "creat", "dup", "dup2", "dup3", "epoll_create",
    "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_pwait", "epoll_pwait2", "epoll_wait",
    "epoll_wait_old", "eventfd", "eventfd2", "execve", "execveat", "exit", "exit_group",
    "faccessat", "faccessat2", "fadvise64", "fadvise64_64", "fallocate", "fanotify_mark",
    "fchdir", "fchmod", "fchmodat", "fchmodat2", "fchown", "fchown32", "fchownat", "fcntl",
    "fcntl64", "fdatasync", "fgetxattr", "flistxattr", "flock", "fork", "fremovexattr",
    "fsetxattr", "fstat", "fstat64", "fstatat64", "fstatfs", "fstatfs64", "fsync", "ftruncate",
    "ftruncate64", "futex", "futex_requeue", "futex_time64", "futex_wait", "futex_waitv",
    "futex_wake", "futimesat", "getcpu", "getcwd", "getdents", "getdents64", "getegid",
    "getegid32", "geteuid", "geteuid32", "getgid", "getgid32", "getgroups", "getgroups32",
    "getitimer", "getpeername", "getpgid", "getpgrp", "getpid", "getppid", "getpriority",
    "getrandom", "getresgid", "getresgid32", "getresuid", "getresuid32", "getrlimit",
    "get_robust_list", "getrusage", "getsid", "getsockname", "getsockopt", "get_thread_area",
    "gettid", "gettimeofday", "getuid", "getuid32", "getxattr", "inotify_add_watch",
    "inotify_init", "inotify_init1", "inotify_rm_watch", "io_cancel", "ioctl", "io_destroy",
    "io_getevents", "io_pgetevents", "io_pgetevents_time64", "ioprio_get", "ioprio_set",
    "io_setup", "io_submit", "ipc", "kill", "landlock_add_rule", "landlock_create_ruleset",
    "landlock_restrict_self", "lchown", "lchown32", "lgetxattr", "link", "linkat", "listen",
    "listxattr", "llistxattr", "_llseek", "lremovexattr", "lseek", "lsetxattr", "lstat",
    "lstat64", "madvise", "map_shadow_stack", "membarrier", "memfd_create", "memfd_secret",
    "mincore", "mkdir", "mkdirat", "mknod", "mknodat", "mlock", "mlock2", "mlockall", "mmap",
    "mmap2", "mprotect", "mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive",
    "mq_timedreceive_time64", "mq_timedsend", "mq_timedsend_time64", "mq_unlink", "mremap",
    "msgctl", "msgget", "msgrcv", "msgsnd", "msync", "munlock", "munlockall", "munmap",
    "name_to_handle_at", "nanosleep", "newfstatat", "_newselect", "open", "openat", "openat2",
    "pause", "pidfd_open", "pidfd_send_signal", "pipe", "pipe2", "pkey_alloc", "pkey_free",
    "pkey_mprotect", "poll", "ppoll", "ppoll_time64", "prctl", "pread64", "preadv", "preadv2",
    "prlimit64", "process_mrelease", "pselect6", "pselect6_time64", "pwrite64", "pwritev",
    "pwritev2", "read", "readahead", "readlink", "readlinkat", "readv", "recv", "recvfrom",
    "recvmmsg", "recvmmsg_time64", "recvmsg", "remap_file_pages", "removexattr", "rename",
    "renameat", "renameat2", "restart_syscall", "rmdir", "rseq", "rt_sigaction",
    "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend",
    "rt_sigtimedwait", "rt_sigtimedwait_time64", "rt_tgsigqueueinfo", "sched_getaffinity",
    "sched_getattr", "sched_getparam", "sched_get_priority_max", "sched_get_priority_min",
    "sched_getscheduler", "sched_rr_get_interval", "sched_rr_get_interval_time64",
    "sched_setaffinity", "sched_setattr", "sched_setparam", "sched_setscheduler", "sched_yield",
    "seccomp", "select", "semctl", "semget", "semop", "semtimedop", "semtimedop_time64", "send",
    "sendfile", "sendfile64", "sendmmsg", "sendmsg", "sendto", "setfsgid", "setfsgid32",
    "setfsuid", "setfsuid32", "setgid", "setgid32", "setgroups", "setgroups32", "setitimer",
    "setpgid", "setpriority", "setregid", "setregid32", "setresgid", "setresgid32",
    "setresuid", "setresuid32", "setreuid", "setreuid32", "setrlimit", "set_robust_list",
    "setsid", "setsockopt", "set_thread_area", "set_tid_address", "setuid", "setuid32",
    "setxattr", "shmat", "shmctl", "shmdt", "shmget", "shutdown", "sigaltstack", "signalfd",
    "signalfd4", "sigprocmask", "sigreturn", "socket", "socketcall", "socketpair", "splice",
    "stat", "stat64", "statfs", "statfs64", "statx", "symlink", "symlinkat", "sync",
    "sync_file_range", "syncfs", "sysinfo", "tee", "tgkill", "time", "timer_create",
    "timer_delete", "timer_getoverrun", "timer_gettime", "timer_gettime64", "timer_settime",
    "timer_settime64", "timerfd_create", "timerfd_gettime", "timerfd_gettime64",
    "timerfd_settime", "timerfd_settime64", "times", "tkill", "truncate", "truncate64",
    "ugetrlimit", "umask", "uname", "unlink", "unlinkat", "utime", "utimensat",
    "utimensat_time64", "utimes", "vfork", "vmsplice", "wait4", "waitid", "waitpid", "write",
    "writev", "modify_ldt", "ptrace"};

// Calls allowed only with a capability.
struct CapRule {
  const char* capability;
  std::vector<std::string> names;
};
const CapRule kCapRules[] = {
    {"CAP_SYS_ADMIN",
     {"bpf", "clone", "clone3", "fanotify_init", "fsconfig", "fsmount", "fsopen", "fspick",
      "lookup_dcookie", "mount", "mount_setattr", "move_mount", "open_tree", "perf_event_open",
      "quotactl", "quotactl_fd", "setdomainname", "sethostname", "setns", "syslog", "umount",
      "umount2", "unshare"}},
    {"CAP_SYS_BOOT", {"reboot"}},
    {"CAP_SYS_CHROOT", {"chroot"}},
    {"CAP_SYS_MODULE", {"delete_module", "init_module", "finit_module"}},
    {"CAP_SYS_PACCT", {"acct"}},
    {"CAP_SYS_PTRACE",
     {"kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv", "process_vm_writev"}},
    {"CAP_SYS_RAWIO", {"iopl", "ioperm"}},
    {"CAP_SYS_TIME", {"settimeofday", "stime", "clock_settime", "clock_settime64"}},
    {"CAP_SYS_TTY_CONFIG", {"vhangup"}},
    {"CAP_SYS_NICE", {"get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node"}},
    {"CAP_SYSLOG", {"syslog"}},
    {"CAP_BPF", {"bpf"}},
    {"CAP_PERFMON", {"perf_event_open"}},
};

constexpr uint64_t kNamespaceFlags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER |
                                     CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP;

Result<SeccompAction> ParseAction(const std::string& name) {
  if (name == "SCMP_ACT_ALLOW") return SeccompAction::kAllow;
  if (name == "SCMP_ACT_ERRNO") return SeccompAction::kErrno;
  if (name == "SCMP_ACT_KILL" || name == "SCMP_ACT_KILL_THREAD") return SeccompAction::kKill;
  if (name == "SCMP_ACT_KILL_PROCESS") return SeccompAction::kKillProcess;
  if (name == "SCMP_ACT_TRAP") return SeccompAction::kTrap;
  if (name == "SCMP_ACT_LOG") return SeccompAction::kLog;
  return Status::Invalid("seccomp profile: unsupported action " + name);
}

}  // namespace

SeccompProfile RuntimeDefaultProfile(const std::set<std::string>& capabilities) {
  SeccompProfile p;
  p.default_action = SeccompAction::kErrno;
  p.default_errno = EPERM;
  SeccompRule allow;
  for (const char* name : kAllowed) allow.names.push_back(name);
  // personality: only the harmless personas (Linux, UNAME26, ADDR_NO_RANDOMIZE, query).
  for (uint64_t persona : {0x0ULL, 0x8ULL, 0x20000ULL, 0x20008ULL, 0xffffffffULL}) {
    p.rules.push_back({{"personality"}, SeccompAction::kAllow, 0, {{0, persona, 0, "SCMP_CMP_EQ"}}});
  }
  bool sys_admin = capabilities.count("CAP_SYS_ADMIN") > 0;
  if (!sys_admin) {
    // clone without namespace flags (arg 0 on x86-64); clone3 hides its flags in memory, so
    // it fails with ENOSYS and libc falls back to clone.
    p.rules.push_back({{"clone"}, SeccompAction::kAllow, 0,
                       {{0, kNamespaceFlags, 0, "SCMP_CMP_MASKED_EQ"}}});
    p.rules.push_back({{"clone3"}, SeccompAction::kErrno, ENOSYS, {}});
  }
  for (const CapRule& rule : kCapRules) {
    if (capabilities.count(rule.capability) == 0) continue;
    SeccompRule r;
    r.names = rule.names;
    p.rules.push_back(std::move(r));
  }
  p.rules.insert(p.rules.begin(), std::move(allow));
  return p;
}

Result<SeccompProfile> ParseSeccompProfile(const std::string& json_text) {
  nlohmann::json j = nlohmann::json::parse(json_text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::Invalid("seccomp profile: not a JSON object");
  }
  SeccompProfile p;
  try {
    ASSIGN_OR_RETURN(p.default_action, ParseAction(j.value("defaultAction", "")));
    p.default_errno = j.value("defaultErrnoRet", EPERM);
    for (const auto& s : j.value("syscalls", nlohmann::json::array())) {
      SeccompRule r;
      if (s.contains("names")) r.names = s["names"].get<std::vector<std::string>>();
      if (s.contains("name")) r.names.push_back(s["name"].get<std::string>());
      ASSIGN_OR_RETURN(r.action, ParseAction(s.value("action", "")));
      r.errno_ret = s.value("errnoRet", EPERM);
      for (const auto& a : s.value("args", nlohmann::json::array())) {
        r.args.push_back({a.value("index", 0u), a.value("value", uint64_t{0}),
                          a.value("valueTwo", uint64_t{0}), a.value("op", "")});
      }
      p.rules.push_back(std::move(r));
    }
  } catch (const nlohmann::json::exception& e) {
    return Status::Invalid(std::string("seccomp profile: ") + e.what());
  }
  return p;
}

}  // namespace sampan::runtime
