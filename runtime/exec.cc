#include "runtime/exec.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>

#include "pkg/util/fs.h"
#include "runtime/container/init.h"
#include "runtime/sys/console.h"
#include "runtime/sys/syscalls.h"

namespace sampan::runtime {

class ExecProcessImpl final : public ExecProcess {
 public:
  pid_t pid() const override { return pid_; }
  int terminal() const override { return terminal_.get(); }
  int stdin_fd() const override { return stdin_.get(); }
  int stdout_fd() const override { return stdout_.get(); }
  int stderr_fd() const override { return stderr_.get(); }
  void CloseStdin() override { stdin_.Reset(); }
  Status Resize(uint16_t rows, uint16_t cols) override {
    if (!terminal_.valid()) return Status::Invalid("exec: no terminal to resize");
    winsize ws{rows, cols, 0, 0};
    if (::ioctl(terminal_.get(), TIOCSWINSZ, &ws) != 0)
      return SyscallError("exec", "TIOCSWINSZ", errno);
    return Status::Ok();
  }
  Result<int> Wait() override {
    if (exit_code_) return *exit_code_;
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0) {
      if (errno != EINTR) return SyscallError("exec", "waitpid", errno);
    }
    exit_code_ = DecodeWaitStatus(status).exit_code;
    return *exit_code_;
  }
  const std::string& start_error() const override { return start_error_; }
  ~ExecProcessImpl() override = default;

  std::string start_error_;
  pid_t pid_ = 0;
  UniqueFd terminal_, stdin_, stdout_, stderr_;
  std::optional<int> exit_code_;
};

void ExecProcess::Abandon() {
  ::kill(pid(), SIGKILL);
  (void)Wait();
}

Result<std::unique_ptr<ExecProcess>> ExecInContainer(const ContainerSpec& spec, pid_t pid,
                                                     Cgroups& cgroups, const ExecOptions& options) {
  if (options.args.empty()) return Status::Invalid("exec: no command given");
  // Everything the child needs is prepared here: after fork it only makes system calls.
  constexpr const char* kKinds[] = {"ipc", "uts", "net", "cgroup", "pid", "mnt"};
  std::vector<UniqueFd> namespaces;
  for (const char* kind : kKinds) {
    std::string path = "/proc/" + std::to_string(pid) + "/ns/" + kind;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return SyscallError("exec", "open(" + path + ")", errno);
    namespaces.emplace_back(fd);
  }
  InitContext ctx;
  ctx.spec = &spec;
  ASSIGN_OR_RETURN(ctx.capabilities, ComputeCapabilities(spec.security));
  std::string profile_json;
  if (spec.security.seccomp == SeccompKind::kLocalhost) {
    ASSIGN_OR_RETURN(profile_json, ReadFileToString(spec.security.seccomp_profile_path));
  }
  ASSIGN_OR_RETURN(ctx.seccomp_program,
                   SeccompProgram(spec.security, ctx.capabilities, profile_json, ""));
  std::vector<std::string> env = spec.process.env;
  env.insert(env.end(), options.env.begin(), options.env.end());

  auto process = std::make_unique<ExecProcessImpl>();
  UniqueFd child_in, child_out, child_err, console, console_child;
  if (options.tty) {
    // The terminal is made inside the container (its devpts) and its master sent back.
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
      return SyscallError("exec", "socketpair", errno);
    }
    console.Reset(pair[0]);
    console_child.Reset(pair[1]);
  } else {
    if (options.stdin_open) {
      ASSIGN_OR_RETURN(Pipe in, MakePipe());
      process->stdin_ = std::move(in.write);
      child_in = std::move(in.read);
    }
    ASSIGN_OR_RETURN(Pipe out, MakePipe());
    ASSIGN_OR_RETURN(Pipe err, MakePipe());
    process->stdout_ = std::move(out.read);
    process->stderr_ = std::move(err.read);
    child_out = std::move(out.write);
    child_err = std::move(err.write);
  }
  ASSIGN_OR_RETURN(Pipe error, MakePipe());
  InitFds fds;
  fds.stdin_fd = child_in.get();
  fds.stdout_fd = child_out.get();
  fds.stderr_fd = child_err.get();
  fds.console_socket = console_child.get();
  fds.rows = options.rows;
  fds.cols = options.cols;

  ASSIGN_OR_RETURN(CgroupSelfJoin cgroup, CgroupSelfJoin::Open(cgroups, spec.cgroup_path));
  pid_t child = ::fork();
  if (child < 0) return SyscallError("exec", "fork", errno);
  if (child == 0) {
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    int err_fd = error.write.get();
    if (int err = cgroup.Join(); err != 0) {
      FailInit(err_fd, kExitCannotRun, SyscallError("exec", "join cgroup", err));
    }
    for (size_t i = 0; i < namespaces.size(); ++i) {
      if (::setns(namespaces[i].get(), 0) != 0) {
        FailInit(err_fd, kExitCannotRun,
                 SyscallError("exec", std::string("setns(") + kKinds[i] + ")", errno));
      }
    }
    // Entering the PID namespace takes effect for children only.
    pid_t inner = ::fork();
    if (inner < 0) FailInit(err_fd, kExitCannotRun, SyscallError("exec", "fork", errno));
    if (inner > 0) {
      ::close(err_fd);
      // This process only waits: it must not keep the write end of the command's stdin
      // open, or the command never sees its end.
      process->CloseStdin();
      int status = 0;
      while (::waitpid(inner, &status, 0) < 0 && errno == EINTR) {
      }
      ExitInfo info = DecodeWaitStatus(status);
      ::_exit(info.exit_code);
    }
    // stdio and session, then the container's process settings.
    ::setsid();
    Status s;
    if (fds.console_socket >= 0) {
      s = SetupConsole(fds.console_socket, fds.rows, fds.cols);
      if (!s.ok()) FailInit(err_fd, kExitCannotRun, s);
    } else {
      const int from[3] = {fds.stdin_fd, fds.stdout_fd, fds.stderr_fd};
      for (int i = 0; i < 3; ++i) {
        if (from[i] >= 0) {
          ::dup2(from[i], i);
        } else {
          int null_fd = ::open("/dev/null", O_RDWR);
          ::dup2(null_fd, i);
        }
      }
    }
    s = ResolveUser(ctx);
    if (s.ok()) s = SetupRlimits(spec.process.rlimits);
    std::vector<std::string> full_env = ProcessEnv(env, ctx.uid, options.tty);
    std::string executable;
    if (s.ok()) {
      const std::string& cwd = spec.process.cwd.empty() ? "/" : spec.process.cwd;
      if (::chdir(cwd.c_str()) != 0) s = SyscallError("exec", "chdir(" + cwd + ")", errno);
    }
    if (s.ok()) {
      Result<std::string> found = LookPath(options.args[0], full_env);
      if (!found.ok()) FailInit(err_fd, kExitNotFound, found.status());
      executable = *found;
    }
    if (s.ok()) s = ApplyProcessSecurity(ctx);
    if (!s.ok()) FailInit(err_fd, kExitCannotRun, s);
    ::umask(spec.process.umask);
    std::vector<char*> argv;
    for (const std::string& a : options.args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (const std::string& e : full_env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    ::execve(executable.c_str(), argv.data(), envp.data());
    int err = errno;
    FailInit(err_fd, err == ENOENT ? kExitNotFound : kExitCannotRun,
             SyscallError("exec", "execve(" + executable + ")", err));
  }
  process->pid_ = child;
  error.write.Reset();
  console_child.Reset();
  // EOF once the program was exec'd (or the start failed and said why).
  std::string failure = ReadAll(error.read.get());
  if (!failure.empty()) {
    size_t nl = failure.find('\n');
    process->start_error_ = nl == std::string::npos ? failure : failure.substr(nl + 1);
  } else if (console.valid()) {
    ASSIGN_OR_RETURN(process->terminal_, ReceiveFd(console.get(), 1000));
  }
  return std::unique_ptr<ExecProcess>(std::move(process));
}

}  // namespace sampan::runtime
