// The container shim: start, stdio and logs, reaping, exit status.

#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>
#include <thread>

#include "pkg/util/fs.h"
#include "runtime/attach/attach_protocol.h"
#include "runtime/container/init.h"
#include "runtime/logs/cri_log_writer.h"
#include "runtime/shim/attach_fanout.h"
#include "runtime/shim/shim.h"
#include "runtime/state.h"
#include "runtime/sys/console.h"
#include "runtime/sys/syscalls.h"

namespace sampan::runtime {
namespace {

class ContainerShim {
 public:
  explicit ContainerShim(const ContainerShimArgs& args) : args_(args) {}

  int Run() {
    Status s = Start();
    if (!s.ok()) return Fail(kExitStartFailed, s);
    Supervise();
    Finish();
    return 0;
  }

 private:
  // Reports a start failure: state "exited/StartError", cgroup gone, "error" on the ready fd.
  int Fail(int code, const Status& status) {
    if (attach_) attach_->CloseAll();
    if (child_ > 0) {
      ::kill(child_, SIGKILL);
      int ws;
      while (::waitpid(child_, &ws, 0) < 0 && errno == EINTR) {
      }
    }
    if (cgroups_ && cgroup_created_) {
      (void)cgroups_->Remove(spec_.cgroup_path);
    }
    record_.status.state = ContainerState::kExited;
    record_.status.exit_code = code;
    record_.status.reason = "StartError";
    record_.status.message = status.message();
    record_.status.finished_at = std::chrono::system_clock::now();
    record_.status.shim_pid = 0;
    (void)WriteContainerRecord(args_.bundle, record_);
    WriteAll(args_.ready_fd, "error " + std::to_string(code) + " " + status.message());
    return 1;
  }

  Status Start() {
    ASSIGN_OR_RETURN(std::string spec_text, ReadFileToString(args_.bundle + "/spec.json"));
    ASSIGN_OR_RETURN(spec_, SpecFromJson(spec_text));
    ASSIGN_OR_RETURN(record_, ReadContainerRecord(args_.bundle));
    ASSIGN_OR_RETURN(cgroups_, DetectCgroups(cgroup_fs_, ""));

    // cgroup first: the container is placed in it before it runs any phase.
    RETURN_IF_ERROR(cgroups_->Create(spec_.cgroup_path).WithContext("cgroup"));
    cgroup_created_ = true;
    CgroupResources res;
    res.cpu_shares = spec_.resources.cpu_shares;
    res.cpu_quota_us = spec_.resources.cpu_quota_us;
    res.cpu_period_us = spec_.resources.cpu_period_us;
    res.memory_limit = spec_.resources.memory_limit;
    res.pids_limit = spec_.resources.pids_limit;
    res.restrict_devices = !spec_.security.privileged;
    RETURN_IF_ERROR(cgroups_->Apply(spec_.cgroup_path, res).WithContext("cgroup"));

    InitContext ctx;
    ctx.spec = &spec_;
    ctx.rootfs = args_.bundle + "/rootfs";
    ctx.upper_dir = args_.bundle + "/upper";
    ctx.work_dir = args_.bundle + "/work";
    for (const std::string* dir : {&ctx.rootfs, &ctx.upper_dir, &ctx.work_dir}) {
      RETURN_IF_ERROR(MakeDirs(*dir, 0755).WithContext("rootfs"));
    }
    ctx.cgroup_version = cgroups_->version();
    ctx.v1_controllers = cgroups_->Controllers();
    ASSIGN_OR_RETURN(ctx.capabilities, ComputeCapabilities(spec_.security));
    std::string profile_json;
    if (spec_.security.seccomp == SeccompKind::kLocalhost) {
      ASSIGN_OR_RETURN(profile_json, ReadFileToString(spec_.security.seccomp_profile_path));
    }
    ASSIGN_OR_RETURN(ctx.seccomp_program,
                     SeccompProgram(spec_.security, ctx.capabilities, profile_json,
                                    args_.bundle + "/../../seccomp"));
    for (const auto& [key, value] : spec_.sysctls) {
      RETURN_IF_ERROR(ValidateSysctl(spec_, key).WithContext("sysctls"));
    }

    if (!spec_.log_path.empty()) {
      writer_ =
          std::make_unique<CriLogWriter>(spec_.log_path, spec_.log_max_size, spec_.log_max_files);
      RETURN_IF_ERROR(writer_->Open().WithContext("log"));
      writer_->set_flush_partial(spec_.process.tty);
    }

    InitFds fds;
    UniqueFd child_stdin, child_stdout, child_stderr, console_child;
    if (spec_.process.tty) {
      // The terminal is made inside the container and its master sent back here.
      int pair[2];
      if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
        return SyscallError("console", "socketpair", errno);
      }
      console_.Reset(pair[0]);
      console_child.Reset(pair[1]);
      fds.console_socket = pair[1];
      fds.rows = args_.rows;
      fds.cols = args_.cols;
      if (spec_.process.stdin_open && args_.stdin_fd >= 0) tty_input_.Reset(args_.stdin_fd);
    } else {
      ASSIGN_OR_RETURN(Pipe out, MakePipe());
      ASSIGN_OR_RETURN(Pipe err, MakePipe());
      stdout_ = std::move(out.read);
      stderr_ = std::move(err.read);
      child_stdout = std::move(out.write);
      child_stderr = std::move(err.write);
      fds.stdout_fd = child_stdout.get();
      fds.stderr_fd = child_stderr.get();
      fds.stdin_fd = spec_.process.stdin_open ? args_.stdin_fd : -1;
      if (spec_.process.stdin_open && args_.stdin_fd < 0) {
        // Nobody gave an input: the shim holds one open for attachers (stdin: true).
        ASSIGN_OR_RETURN(Pipe in, MakePipe());
        stdin_ = std::move(in.write);
        child_stdin = std::move(in.read);
        fds.stdin_fd = child_stdin.get();
      }
    }
    RETURN_IF_ERROR(ListenForAttach().WithContext("attach"));

    // Join the sandbox's namespaces; the container's own are made by clone.
    for (const char* kind : {"ipc", "uts", "net", "pid"}) {
      auto it = spec_.namespace_paths.find(kind);
      if (it == spec_.namespace_paths.end()) continue;
      int fd = ::open(it->second.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) return SyscallError("namespaces", "open(" + it->second + ")", errno);
      UniqueFd ns(fd);
      if (::setns(fd, 0) != 0)
        return SyscallError("namespaces", std::string("setns(") + kind + ")", errno);
    }

    ASSIGN_OR_RETURN(CgroupSelfJoin cgroup, CgroupSelfJoin::Open(*cgroups_, spec_.cgroup_path));
    ASSIGN_OR_RETURN(Pipe error, MakePipe());
    fds.cgroup = &cgroup;
    fds.error_write = error.write.get();

    long pid = ::syscall(SYS_clone, CloneFlags(spec_) | SIGCHLD, nullptr, nullptr, nullptr, 0);
    if (pid < 0) return SyscallError("namespaces", "clone", errno);
    if (pid == 0) {
      ::signal(SIGPIPE, SIG_DFL);
      sigset_t none;
      sigemptyset(&none);
      ::sigprocmask(SIG_SETMASK, &none, nullptr);
      ::close(args_.ready_fd);
      RunContainerInit(ctx, fds);
    }
    child_ = static_cast<pid_t>(pid);
    cgroup.Close();
    error.write.Reset();
    child_stdin.Reset();
    child_stdout.Reset();
    child_stderr.Reset();
    console_child.Reset();
    if (!spec_.process.tty && args_.stdin_fd >= 0) ::close(args_.stdin_fd);

    std::string failure = ReadAll(error.read.get());
    if (!failure.empty()) {
      size_t nl = failure.find('\n');
      int code = std::atoi(failure.substr(0, nl).c_str());
      std::string message = nl == std::string::npos ? failure : failure.substr(nl + 1);
      // Whatever the child printed before failing belongs in the log too.
      DrainOutput();
      Fail(code == 0 ? kExitStartFailed : code, Status::Internal(message));
      std::exit(1);
    }
    if (console_.valid()) {
      ASSIGN_OR_RETURN(terminal_, ReceiveFd(console_.get(), 1000));
      console_.Reset();
    }
    if (spec_.process.stdin_open)
      attach_->SetInput(terminal_.valid() ? terminal_.get() : stdin_.get());

    record_.status.state = ContainerState::kRunning;
    record_.status.pid = child_;
    record_.pid_start_time = ProcessStartTime(child_);
    record_.status.shim_pid = ::getpid();
    record_.shim_start_time = ProcessStartTime(::getpid());
    record_.status.started_at = std::chrono::system_clock::now();
    RETURN_IF_ERROR(WriteContainerRecord(args_.bundle, record_));
    WriteAll(args_.ready_fd, "ok " + std::to_string(child_) + "\n");
    int control = ::open((args_.bundle + "/control").c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (control >= 0) control_.Reset(control);
    ::malloc_trim(0);
    return Status::Ok();
  }

  void Supervise() {
    for (UniqueFd* fd : {&stdout_, &stderr_, &terminal_}) {
      if (fd->valid()) ::fcntl(fd->get(), F_SETFL, O_NONBLOCK);
    }
    std::vector<pollfd> fds;
    while (!exited_) {
      fds.clear();
      auto add = [&](const UniqueFd& fd) {
        fds.push_back({fd.valid() ? fd.get() : -1, POLLIN, 0});
      };
      add(signals_);
      add(stdout_);
      add(stderr_);
      add(terminal_);
      add(tty_input_);
      add(control_);
      attach_->FillPoll(fds);
      int rc = ::poll(fds.data(), fds.size(), -1);
      if (rc < 0 && errno != EINTR) break;
      if (rc < 0) continue;
      attach_->Dispatch(&fds[6]);
      if (fds[1].revents) Pump(stdout_, LogStream::kStdout);
      if (fds[2].revents) Pump(stderr_, LogStream::kStderr);
      if (fds[3].revents) Pump(terminal_, LogStream::kStdout);
      if (fds[4].revents) ForwardInput();
      if (fds[5].revents) Control();
      if (fds[0].revents) Reap();
    }
  }

  // Reads what is there; EOF (or EIO on a terminal whose other side closed) ends the stream.
  void Pump(UniqueFd& fd, LogStream stream) {
    if (!fd.valid()) return;
    char buf[32768];
    for (;;) {
      ssize_t n = ::read(fd.get(), buf, sizeof buf);
      if (n > 0) {
        std::string_view data(buf, static_cast<size_t>(n));
        if (writer_) writer_->Write(stream, data);
        if (attach_) attach_->Broadcast(stream == LogStream::kStderr, data);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) return;
      if (writer_) writer_->Close(stream);
      fd.Reset();
      return;
    }
  }

  void DrainOutput() {
    for (UniqueFd* fd : {&stdout_, &stderr_, &terminal_}) {
      if (fd->valid()) ::fcntl(fd->get(), F_SETFL, O_NONBLOCK);
    }
    Pump(stdout_, LogStream::kStdout);
    Pump(stderr_, LogStream::kStderr);
    Pump(terminal_, LogStream::kStdout);
  }

  void ForwardInput() {
    char buf[4096];
    ssize_t n = ::read(tty_input_.get(), buf, sizeof buf);
    if (n <= 0) {
      tty_input_.Reset();
      return;
    }
    if (terminal_.valid()) WriteAll(terminal_.get(), std::string_view(buf, static_cast<size_t>(n)));
  }

  // "resize ROWS COLS" lines from the control fifo.
  void Control() {
    char buf[512];
    ssize_t n = ::read(control_.get(), buf, sizeof buf - 1);
    if (n <= 0) return;
    buf[n] = '\0';
    unsigned rows = 0, cols = 0;
    if (std::sscanf(buf, "resize %u %u", &rows, &cols) == 2 && terminal_.valid()) {
      winsize ws{static_cast<unsigned short>(rows), static_cast<unsigned short>(cols), 0, 0};
      ::ioctl(terminal_.get(), TIOCSWINSZ, &ws);
    }
  }

  // The attach socket in the bundle (runtime/attach/attach_protocol.h).
  Status ListenForAttach() {
    int dir = ::open(args_.bundle.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) return SyscallError("attach", "open(" + args_.bundle + ")", errno);
    UniqueFd bundle(dir);
    AttachFanoutOptions options;
    options.tty = spec_.process.tty;
    options.stdin_once = spec_.process.stdin_once;
    options.close_input = [this] { stdin_.Reset(); };
    options.resize = [this](uint16_t rows, uint16_t cols) {
      if (!terminal_.valid()) return;
      winsize ws{rows, cols, 0, 0};
      ::ioctl(terminal_.get(), TIOCSWINSZ, &ws);
    };
    ASSIGN_OR_RETURN(attach_, AttachFanout::Listen(dir, kAttachSocketName, std::move(options)));
    return Status::Ok();
  }

  void Reap() {
    signalfd_siginfo info;
    while (::read(signals_.get(), &info, sizeof info) > 0) {
    }
    for (;;) {
      int ws = 0;
      pid_t pid = ::waitpid(-1, &ws, WNOHANG);
      if (pid <= 0) return;
      if (pid == child_) {
        exit_ = DecodeWaitStatus(ws);
        exited_ = true;
      }
    }
  }

  void Finish() {
    record_.status.finished_at = std::chrono::system_clock::now();
    DrainOutput();
    attach_->CloseAll();  // attachers see the end of the streams
    stdin_.Reset();
    if (writer_) {
      writer_->Close(LogStream::kStdout);
      writer_->Close(LogStream::kStderr);
    }
    bool oom = false;
    if (Result<CgroupStats> stats = cgroups_->Stats(spec_.cgroup_path); stats.ok()) {
      oom = stats->oom_kills > 0;
    }
    // Processes left in the cgroup (a shared PID namespace keeps them alive) go too.
    for (int attempt = 0; attempt < 200; ++attempt) {
      Result<std::vector<pid_t>> pids = cgroups_->Pids(spec_.cgroup_path);
      if (!pids.ok() || pids->empty()) break;
      for (pid_t p : *pids) ::kill(p, SIGKILL);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ContainerStatus& s = record_.status;
    s.state = ContainerState::kExited;
    s.exit_code = exit_.exit_code;
    s.signal = exit_.signal;
    if (oom && exit_.signal == SIGKILL) {
      s.reason = "OOMKilled";
    } else if (exit_.exit_code == 0) {
      s.reason = "Completed";
    } else {
      s.reason = "Error";
    }
    (void)WriteContainerRecord(args_.bundle, record_);
    // The status is final: whoever waits on the ready pipe may go on while the cgroup goes.
    ::close(args_.ready_fd);
    (void)cgroups_->Remove(spec_.cgroup_path);
  }

 public:
  Status BlockSignals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGQUIT);
    if (::sigprocmask(SIG_BLOCK, &set, nullptr) != 0)
      return SyscallError("shim", "sigprocmask", errno);
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    int fd = ::signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
    if (fd < 0) return SyscallError("shim", "signalfd", errno);
    signals_.Reset(fd);
    ::signal(SIGPIPE, SIG_IGN);
    return Status::Ok();
  }

 private:
  ContainerShimArgs args_;
  ContainerSpec spec_;
  ContainerRecord record_;
  RealCgroupFs cgroup_fs_;
  std::unique_ptr<Cgroups> cgroups_;
  bool cgroup_created_ = false;
  std::unique_ptr<CriLogWriter> writer_;
  UniqueFd signals_, stdout_, stderr_, terminal_, tty_input_, control_, console_;
  UniqueFd stdin_;  // the container's input when the shim holds it (stdin: true, no caller's)
  std::unique_ptr<AttachFanout> attach_;
  pid_t child_ = 0;
  bool exited_ = false;
  ExitInfo exit_;
};

}  // namespace

int RunContainerShim(const ContainerShimArgs& args) {
  ContainerShim shim(args);
  Status s = shim.BlockSignals();
  if (!s.ok()) {
    WriteAll(args.ready_fd, "error 128 " + s.message());
    return 1;
  }
  return shim.Run();
}

}  // namespace sampan::runtime
