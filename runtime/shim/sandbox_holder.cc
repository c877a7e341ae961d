// The sandbox holder: keeps a pod's shared namespaces alive without a pause image.

#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "runtime/container/phases.h"
#include "runtime/shim/shim.h"
#include "runtime/state.h"
#include "runtime/sys/syscalls.h"

namespace sampan::runtime {

int RunSandboxHolder(const SandboxHolderArgs& args) {
  auto fail = [&](const Status& s) {
    WriteAll(args.ready_fd, "error 1 " + s.message());
    return 1;
  };
  Result<SandboxRecord> record = ReadSandboxRecord(args.dir);
  if (!record.ok()) return fail(record.status());
  const SandboxConfig& config = record->status.config;

  sigset_t all;
  sigfillset(&all);
  ::sigprocmask(SIG_BLOCK, &all, nullptr);

  int flags = 0;
  if (!config.host_network) flags |= CLONE_NEWNET | CLONE_NEWUTS;
  if (!config.host_ipc) flags |= CLONE_NEWIPC;
  if (config.share_pid && !config.host_pid) flags |= CLONE_NEWPID;
  if (::unshare(flags) != 0) return fail(SyscallError("sandbox", "unshare", errno));
  if (!config.host_network) {
    if (!config.hostname.empty() &&
        ::sethostname(config.hostname.data(), config.hostname.size()) != 0) {
      return fail(SyscallError("sandbox", "sethostname", errno));
    }
    Status s = SetupLoopback();
    if (!s.ok()) return fail(s);
  }
  if (flags & CLONE_NEWPID) {
    // Only children enter the new PID namespace: the child is the pod's PID 1.
    pid_t child = ::fork();
    if (child < 0) return fail(SyscallError("sandbox", "fork", errno));
    if (child > 0) {
      WriteAll(args.ready_fd, "ok " + std::to_string(child) + "\n");
      ::_exit(0);
    }
  } else {
    WriteAll(args.ready_fd, "ok " + std::to_string(::getpid()) + "\n");
  }
  ::close(args.ready_fd);
  // Sleep; reap whatever the pod's PID namespace orphans. SIGKILL ends us.
  sigset_t wait_set;
  sigemptyset(&wait_set);
  sigaddset(&wait_set, SIGCHLD);
  sigaddset(&wait_set, SIGTERM);
  sigaddset(&wait_set, SIGINT);
  for (;;) {
    int sig = 0;
    if (::sigwait(&wait_set, &sig) != 0) continue;
    if (sig == SIGTERM || sig == SIGINT) return 0;
    while (::waitpid(-1, nullptr, WNOHANG) > 0) {
    }
  }
}

}  // namespace sampan::runtime
