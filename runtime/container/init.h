#pragma once
// The container's first process: runs the start phases in their fixed order (phases.h) in
// the freshly cloned child and execs the user's program. Also the shared tail of `exec`:
// the process-level security settings applied to every process entering a container.

#include <string>
#include <vector>

#include "runtime/cgroups/self_join.h"
#include "runtime/container/phases.h"

namespace sampan::runtime {

struct InitFds {
  const CgroupSelfJoin* cgroup = nullptr;  // the container's cgroup, joined first
  int error_write = -1;  // close-on-exec: EOF at the parent means execve succeeded
  int stdin_fd = -1;     // -1 = /dev/null
  int stdout_fd = -1;
  int stderr_fd = -1;
  // >= 0: make a terminal inside the container (stdin/out/err) and send its master here.
  int console_socket = -1;
  uint16_t rows = 0;
  uint16_t cols = 0;
};

// Never returns. On failure writes "<exit code>\n<message>" to error_write and exits.
[[noreturn]] void RunContainerInit(InitContext& ctx, const InitFds& fds);

// Exit codes for start failures, as Docker reports them.
inline constexpr int kExitNotFound = 127;     // executable file not found
inline constexpr int kExitCannotRun = 126;    // found but not executable
inline constexpr int kExitStartFailed = 128;  // any other start phase

// seccomp (when no_new_privs is off), bounding set, uid/gid, capabilities, no_new_privs,
// seccomp (when on): the order that lets each step still hold the privilege it needs.
Status ApplyProcessSecurity(InitContext& ctx);
// The environment a process starts with: the spec's, plus PATH, HOME (and TERM with a TTY)
// when missing.
std::vector<std::string> ProcessEnv(const std::vector<std::string>& env, uid_t uid, bool tty);
// Reports `status` on `error_fd` with `code` and exits.
[[noreturn]] void FailInit(int error_fd, int code, const Status& status);

}  // namespace sampan::runtime
