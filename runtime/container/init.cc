// The start orchestrator: every phase in its fixed order, then execve.

#include "runtime/container/init.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "runtime/sys/console.h"
#include "runtime/sys/syscalls.h"

namespace sampan::runtime {

void FailInit(int error_fd, int code, const Status& status) {
  std::string message = std::to_string(code) + "\n" + status.message();
  WriteAll(error_fd, message);
  ::_exit(code);
}

Status ApplyProcessSecurity(InitContext& ctx) {
  bool nnp = ctx.spec->security.no_new_privileges;
  if (!nnp) RETURN_IF_ERROR(SetupSeccomp(ctx));
  RETURN_IF_ERROR(SetupBoundingSet(ctx));
  RETURN_IF_ERROR(SetupUser(ctx));
  RETURN_IF_ERROR(SetupCapabilities(ctx));
  RETURN_IF_ERROR(SetupNoNewPrivileges(ctx));
  if (nnp) RETURN_IF_ERROR(SetupSeccomp(ctx));
  return Status::Ok();
}

std::vector<std::string> ProcessEnv(const std::vector<std::string>& env, uid_t uid, bool tty) {
  std::vector<std::string> out = env;
  auto has = [&out](std::string_view key) {
    for (const std::string& kv : out) {
      if (kv.size() > key.size() && kv.compare(0, key.size(), key) == 0 && kv[key.size()] == '=') {
        return true;
      }
    }
    return false;
  };
  if (!has("PATH")) {
    out.push_back("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  }
  if (!has("HOME")) out.push_back(uid == 0 ? "HOME=/root" : "HOME=/");
  if (tty && !has("TERM")) out.push_back("TERM=xterm");
  return out;
}

namespace {

Status SetupStdio(const InitFds& fds) {
  int in = fds.stdin_fd;
  UniqueFd null_fd;
  if (in < 0) {
    null_fd.Reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    in = null_fd.get();
  }
  const int from[3] = {in, fds.stdout_fd, fds.stderr_fd};
  for (int i = 0; i < 3; ++i) {
    if (from[i] < 0) continue;
    if (from[i] == i) {
      int flags = ::fcntl(i, F_GETFD);
      ::fcntl(i, F_SETFD, flags & ~FD_CLOEXEC);
    } else if (::dup2(from[i], i) < 0) {
      return SyscallError("stdio", "dup2", errno);
    }
  }
  if (::setsid() < 0) return SyscallError("stdio", "setsid", errno);
  return Status::Ok();
}

Status JoinCgroup(const InitFds& fds) {
  int err = fds.cgroup->Join();
  if (err != 0) return SyscallError("cgroup", "join", err);
  return Status::Ok();
}

// All phases up to (not including) execve, in order.
Status RunPhases(InitContext& ctx, const InitFds& fds) {
  const ContainerSpec& spec = *ctx.spec;
  RETURN_IF_ERROR(JoinCgroup(fds));
  RETURN_IF_ERROR(SetupStdio(fds));
  if (spec.namespaces.network == NamespaceMode::kContainer) RETURN_IF_ERROR(SetupLoopback());
  RETURN_IF_ERROR(SetupRootfs(ctx));
  RETURN_IF_ERROR(SetupProc(ctx));
  RETURN_IF_ERROR(SetupDev(ctx));
  RETURN_IF_ERROR(SetupSys(ctx));
  RETURN_IF_ERROR(SetupCgroupNamespace(ctx));
  RETURN_IF_ERROR(SetupCgroupMount(ctx));
  RETURN_IF_ERROR(SetupVolumes(ctx));
  RETURN_IF_ERROR(SetupPivotRoot(ctx));
  if (fds.console_socket >= 0) {
    RETURN_IF_ERROR(SetupConsole(fds.console_socket, fds.rows, fds.cols));
    ::close(fds.console_socket);
  }
  RETURN_IF_ERROR(SetupSysctls(ctx));
  RETURN_IF_ERROR(SetupMaskedPaths(ctx));
  RETURN_IF_ERROR(SetupReadonlyPaths(ctx));
  RETURN_IF_ERROR(SetupHostname(ctx));
  RETURN_IF_ERROR(ResolveUser(ctx));
  RETURN_IF_ERROR(SetupWorkingDir(ctx));
  RETURN_IF_ERROR(SetupReadonlyRootfs(ctx));
  RETURN_IF_ERROR(SetupOomScoreAdj(ctx));
  RETURN_IF_ERROR(SetupRlimits(spec.process.rlimits));
  ::umask(spec.process.umask);
  std::vector<std::string> env = ProcessEnv(spec.process.env, ctx.uid, spec.process.tty);
  if (spec.process.args.empty()) return Status::Invalid("exec: no command given");
  ASSIGN_OR_RETURN(ctx.executable, LookPath(spec.process.args[0], env));
  RETURN_IF_ERROR(ApplyProcessSecurity(ctx));
  return Status::Ok();
}

}  // namespace

void RunContainerInit(InitContext& ctx, const InitFds& fds) {
  Status status = RunPhases(ctx, fds);
  if (!status.ok()) {
    FailInit(fds.error_write,
             status.IsNotFound() && status.message().starts_with("exec:") ? kExitNotFound
                                                                          : kExitStartFailed,
             status);
  }
  const ContainerSpec& spec = *ctx.spec;
  std::vector<std::string> env = ProcessEnv(spec.process.env, ctx.uid, spec.process.tty);
  std::vector<char*> argv;
  for (const std::string& a : spec.process.args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const std::string& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  ::execve(ctx.executable.c_str(), argv.data(), envp.data());
  int err = errno;
  FailInit(fds.error_write, err == ENOENT ? kExitNotFound : kExitCannotRun,
           SyscallError("exec", "execve(" + ctx.executable + ")", err));
}

}  // namespace sampan::runtime
