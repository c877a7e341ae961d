// `sampan ctr run`, `sampan ctr exec` and `sampan ctr attach`.

#include <fcntl.h>
#include <fmt/core.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cmath>

#include "cmd/sampan/commands.h"
#include "cmd/sampan/ctr_common.h"
#include "cmd/sampan/ctr_image.h"
#include "pkg/util/random.h"
#include "runtime/sys/syscalls.h"

namespace sampan::cmd {
namespace {

using runtime::ContainerSpec;

std::atomic<pid_t> g_forward_pid{0};
std::atomic<bool> g_winch{false};

void ForwardSignal(int sig) {
  pid_t pid = g_forward_pid.load();
  if (pid > 0) ::kill(pid, sig);
}
void OnWinch(int) { g_winch = true; }

int Fail(const std::string& command, const Status& s, int code = kExitFailure) {
  PrintError(command, s.message());
  return code;
}

// "UID[:GID]" or "NAME[:GROUP]".
runtime::UserSpec ParseUser(const std::string& text) {
  runtime::UserSpec user;
  std::string u = text, g;
  if (size_t colon = text.find(':'); colon != std::string::npos) {
    u = text.substr(0, colon);
    g = text.substr(colon + 1);
  }
  auto numeric = [](const std::string& s) {
    return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
  };
  if (numeric(u)) {
    user.uid = static_cast<uid_t>(std::stoul(u));
  } else {
    user.user_name = u;
  }
  if (numeric(g)) {
    user.gid = static_cast<gid_t>(std::stoul(g));
  } else {
    user.group_name = g;
  }
  return user;
}

Status ParseVolume(const std::string& text, runtime::BindMount* mount) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    size_t colon = text.find(':', start);
    parts.push_back(text.substr(start, colon - start));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  if (parts.size() < 2 || parts.size() > 3 || parts[0].empty() || parts[1].empty()) {
    return Status::Invalid("bad volume " + text + " (HOST:CONTAINER[:ro])");
  }
  char resolved[PATH_MAX];
  if (::realpath(parts[0].c_str(), resolved) == nullptr) {
    return Status::NotFound("volume source not found: " + parts[0]);
  }
  mount->host_path = resolved;
  mount->container_path = parts[1];
  if (parts.size() == 3) {
    for (const std::string& opt : {parts[2]}) {
      if (opt == "ro") {
        mount->read_only = true;
      } else if (opt == "rw") {
        mount->read_only = false;
      } else if (opt == "rslave") {
        mount->propagation = runtime::Propagation::kHostToContainer;
      } else if (opt == "rshared") {
        mount->propagation = runtime::Propagation::kBidirectional;
      } else {
        return Status::Invalid("bad volume option " + opt + " (ro, rw, rslave, rshared)");
      }
    }
  }
  return Status::Ok();
}

// Builds the container spec from the command line and the image.
Status BuildSpec(const CtrArgs& p, ContainerSpec* spec, bool* has_image) {
  ImageRootfs image;
  std::vector<std::string> command = p.positional();
  if (std::string dir = p.Get("rootfs"); !dir.empty()) {
    ASSIGN_OR_RETURN(image, RootfsDirectory(dir));
    spec->image = dir;
    *has_image = false;
  } else {
    if (command.empty()) return Status::Invalid("no image given");
    spec->image = command.front();
    command.erase(command.begin());
    ASSIGN_OR_RETURN(image, ResolveImage(p.Get("data-dir"), spec->image, spec->id));
    *has_image = true;
  }
  spec->lower_dirs = image.lower_dirs;
  // Docker's rules: the command replaces the image's Cmd; the entrypoint stays.
  std::vector<std::string> args = image.entrypoint;
  const std::vector<std::string>& cmd = command.empty() ? image.cmd : command;
  args.insert(args.end(), cmd.begin(), cmd.end());
  if (args.empty()) return Status::Invalid("no command given and the image has none");
  spec->process.args = args;
  spec->process.env = image.env;
  for (const std::string& e : p.All("env")) {
    if (e.find('=') == std::string::npos) {
      if (const char* v = std::getenv(e.c_str())) spec->process.env.push_back(e + "=" + v);
      continue;
    }
    spec->process.env.push_back(e);
  }
  spec->process.cwd =
      p.Has("workdir") ? p.Get("workdir") : (image.working_dir.empty() ? "/" : image.working_dir);
  std::string user = p.Has("user") ? p.Get("user") : image.user;
  if (!user.empty()) spec->process.user = ParseUser(user);
  spec->process.tty = p.Get("tty") == "true";
  spec->process.stdin_open = p.Get("interactive") == "true";
  spec->name = p.Get("name");
  spec->hostname = p.Get("hostname");
  if (spec->hostname.empty()) spec->hostname = spec->id.substr(0, 12);
  std::string network = p.Get("network");
  if (network == "host") {
    spec->namespaces.network = runtime::NamespaceMode::kHost;
    spec->namespaces.uts = runtime::NamespaceMode::kHost;
  } else if (network != "none") {
    return Status::Invalid("--network must be none or host (no container networks yet)");
  }
  if (p.Get("pid") == "host") spec->namespaces.pid = runtime::NamespaceMode::kHost;
  if (p.Get("ipc") == "host") spec->namespaces.ipc = runtime::NamespaceMode::kHost;
  for (const std::string& v : p.All("volume")) {
    runtime::BindMount m;
    RETURN_IF_ERROR(ParseVolume(v, &m));
    spec->mounts.push_back(m);
  }
  if (std::string m = p.Get("memory"); !m.empty()) {
    ASSIGN_OR_RETURN(spec->resources.memory_limit, ParseMemory(m));
  }
  if (std::string c = p.Get("cpus"); !c.empty()) {
    char* end = nullptr;
    double cpus = std::strtod(c.c_str(), &end);
    if (end == c.c_str() || *end != '\0' || cpus <= 0) return Status::Invalid("bad --cpus " + c);
    spec->resources.cpu_period_us = 100000;
    spec->resources.cpu_quota_us = std::max<int64_t>(1000, std::llround(cpus * 100000));
  }
  if (std::string n = p.Get("pids-limit"); !n.empty()) {
    spec->resources.pids_limit = std::atoll(n.c_str());
  }
  if (std::string s = p.Get("cpu-shares"); !s.empty())
    spec->resources.cpu_shares = std::atoll(s.c_str());
  runtime::SecuritySpec& sec = spec->security;
  sec.read_only_rootfs = p.Get("read-only") == "true";
  sec.privileged = p.Get("privileged") == "true";
  sec.no_new_privileges = p.Get("no-new-privileges") == "true";
  sec.cap_add = p.All("cap-add");
  sec.cap_drop = p.All("cap-drop");
  std::string seccomp = p.Get("seccomp");
  if (seccomp == "runtime-default" || seccomp == "RuntimeDefault") {
    sec.seccomp =
        sec.privileged ? runtime::SeccompKind::kUnconfined : runtime::SeccompKind::kRuntimeDefault;
  } else if (seccomp == "unconfined" || seccomp == "Unconfined") {
    sec.seccomp = runtime::SeccompKind::kUnconfined;
  } else {
    char resolved[PATH_MAX];
    if (::realpath(seccomp.c_str(), resolved) == nullptr) {
      return Status::NotFound("seccomp profile not found: " + seccomp);
    }
    sec.seccomp = runtime::SeccompKind::kLocalhost;
    sec.seccomp_profile_path = resolved;
  }
  for (const std::string& kv : p.All("sysctl")) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos) return Status::Invalid("bad --sysctl " + kv + " (KEY=VALUE)");
    spec->sysctls[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  std::string stop_signal = p.Has("stop-signal") ? p.Get("stop-signal") : image.stop_signal;
  if (!stop_signal.empty()) {
    ASSIGN_OR_RETURN(spec->stop_signal, runtime::ParseSignal(stop_signal));
  }
  if (std::string adj = p.Get("oom-score-adj"); !adj.empty()) {
    spec->process.oom_score_adj = std::atoi(adj.c_str());
  }
  if (std::string size = p.Get("log-max-size"); !size.empty()) {
    ASSIGN_OR_RETURN(spec->log_max_size, ParseMemory(size));
  }
  spec->log_max_files = std::atoi(p.Get("log-max-files").c_str());
  return Status::Ok();
}

// True once `fd` (the shim's exit pipe) reached EOF.
bool PipeClosed(int fd) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, 0) <= 0) return false;
  char buf[64];
  ssize_t n = ::read(fd, buf, sizeof buf);
  return n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR);
}

}  // namespace

int RunCtrRun(const std::vector<std::string>& args) {
  CtrArgs p(
      "sampan ctr run", "[flags] (IMAGE | --rootfs DIR) [COMMAND [ARG...]]",
      {{"rm", 0, false, "Remove the container when it exits"},
       {"detach", 'd', false, "Run in the background and print the id"},
       {"name", 0, true, "Container name", ""},
       {"env", 'e', true, "Environment variable K=V (repeatable)", ""},
       {"tty", 't', false, "Allocate a terminal"},
       {"interactive", 'i', false, "Keep stdin open"},
       {"memory", 'm', true, "Memory limit (64Mi, 1Gi, 64m)", ""},
       {"cpus", 0, true, "CPU limit in cores (0.5 = 50 ms per 100 ms)", ""},
       {"cpu-shares", 0, true, "Relative CPU weight (cgroup v1 shares)", ""},
       {"pids-limit", 0, true, "Maximum number of processes", ""},
       {"read-only", 0, false, "Read-only root file system"},
       {"user", 'u', true, "UID[:GID] or NAME[:GROUP]", ""},
       {"workdir", 'w', true, "Working directory", ""},
       {"hostname", 0, true, "Host name (default: the short id)", ""},
       {"network", 0, true, "none (own namespace, loopback only) or host", "none"},
       {"pid", 0, true, "host = the host's PID namespace", ""},
       {"ipc", 0, true, "host = the host's IPC namespace", ""},
       {"pod", 0, true, "Join this pod sandbox's namespaces (see ctr pod run)", ""},
       {"volume", 'v', true, "Bind mount HOST:CONTAINER[:ro|rslave|rshared] (repeatable)", ""},
       {"rootfs", 0, true, "Use this directory as the root file system instead of an image", ""},
       {"privileged", 0, false, "All capabilities, no masks, no seccomp, devices allowed"},
       {"cap-add", 0, true, "Add a capability (repeatable, ALL)", ""},
       {"cap-drop", 0, true, "Drop a capability (repeatable, ALL)", ""},
       {"no-new-privileges", 0, false, "Set no_new_privs"},
       {"seccomp", 0, true, "runtime-default, unconfined or a profile file", "runtime-default"},
       {"sysctl", 0, true, "Namespaced sysctl KEY=VALUE (repeatable)", ""},
       {"stop-signal", 0, true, "Signal for stop (default: the image's, or SIGTERM)", ""},
       {"oom-score-adj", 0, true, "oom_score_adj of the container", ""},
       {"log-max-size", 0, true, "Rotate the log at this size", "10Mi"},
       {"log-max-files", 0, true, "Log files kept (current + rotated)", "5"}});
  if (auto exit = ParseCtrArgs(p, args, 0)) return *exit;
  const std::string& command = p.command();
  bool detach = p.Get("detach") == "true";
  bool remove = p.Get("rm") == "true";
  if (detach && remove)
    return Fail(command, Status::Invalid("--rm and -d cannot be combined"), kExitUsage);

  ContainerSpec spec;
  spec.id = RandomString(32, "0123456789abcdef");
  bool has_image = false;
  Status s = BuildSpec(p, &spec, &has_image);
  if (!s.ok()) {
    if (has_image) ReleaseImage(p.Get("data-dir"), spec.id);
    return Fail(command, s, s.IsNotFound() ? kExitFailure : kExitUsage);
  }
  spec.log_path = p.Get("data-dir") + "/agent/containers/" + spec.id + "/container.log";

  auto rt = OpenRuntime(p);
  auto id = rt.ok() ? (*rt)->CreateContainer(p.Get("pod"), spec) : Result<std::string>(rt.status());
  if (!id.ok()) {
    if (has_image) ReleaseImage(p.Get("data-dir"), spec.id);
    return Fail(command, id.status());
  }
  runtime::Runtime& runtime = **rt;

  runtime::StartOptions start;
  UniqueFd exit_pipe;
  if (!detach) start.exit_notify = &exit_pipe;
  // Detached, the shim keeps an input open for `ctr attach -i` instead of taking ours.
  if (spec.process.stdin_open && !detach) start.stdin_fd = STDIN_FILENO;
  if (spec.process.tty) std::tie(start.rows, start.cols) = TerminalSize(STDIN_FILENO);
  s = runtime.StartContainer(*id, start);
  if (!s.ok()) {
    PrintError(command, s.message());
    int code = kExitFailure;
    if (auto st = runtime.GetContainerStatus(*id); st.ok() && st->exit_code != 0)
      code = st->exit_code;
    if (remove && runtime.RemoveContainer(*id).ok()) ReleaseImage(p.Get("data-dir"), *id);
    return code;
  }
  if (detach) {
    fmt::print("{}\n", *id);
    return kExitOk;
  }

  // Foreground: stream the log until the shim exits, forwarding signals and resizes.
  auto status = runtime.GetContainerStatus(*id);
  if (status.ok()) g_forward_pid = status->pid;
  std::unique_ptr<RawTerminal> raw;
  if (spec.process.tty && spec.process.stdin_open)
    raw = std::make_unique<RawTerminal>(STDIN_FILENO);
  struct sigaction forward {};
  forward.sa_handler = ForwardSignal;
  ::sigaction(SIGINT, &forward, nullptr);
  ::sigaction(SIGTERM, &forward, nullptr);
  ::sigaction(SIGHUP, &forward, nullptr);
  struct sigaction winch {};
  winch.sa_handler = OnWinch;
  ::sigaction(SIGWINCH, &winch, nullptr);
  std::string control = p.Get("data-dir") + "/agent/containers/" + *id + "/control";

  runtime::LogReadOptions options;
  options.follow = true;
  options.stream_partials = spec.process.tty;
  options.wake_fd = exit_pipe.get();
  options.done = [&] {
    if (g_winch.exchange(false) && spec.process.tty) {
      auto [rows, cols] = TerminalSize(STDIN_FILENO);
      int fd = ::open(control.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
      if (fd >= 0) {
        runtime::WriteAll(fd, fmt::format("resize {} {}\n", rows, cols));
        ::close(fd);
      }
    }
    return PipeClosed(exit_pipe.get());
  };
  s = runtime.ReadLogs(*id, options, [](runtime::LogStream stream, std::string_view line) {
    int fd = stream == runtime::LogStream::kStdout ? STDOUT_FILENO : STDERR_FILENO;
    runtime::WriteAll(fd, line);
    return true;
  });
  raw.reset();
  g_forward_pid = 0;
  if (!s.ok()) PrintError(command, s.message());
  status = runtime.GetContainerStatus(*id);
  int code = status.ok() ? status->exit_code : kExitFailure;
  if (status.ok() && status->reason == "OOMKilled") PrintError(command, "container was OOMKilled");
  if (remove) {
    Status r = runtime.RemoveContainer(*id);
    if (r.ok()) ReleaseImage(p.Get("data-dir"), *id);
    if (!r.ok()) PrintError(command, r.message());
  }
  return code;
}

// Copies a process's output to ours and (with `stdin_open`) our input to it until its
// output ends (exec and attach); a terminal is put in raw mode meanwhile. Returns the code.
int StreamProcess(const std::string& command, runtime::ExecProcess& proc, bool tty,
                  bool stdin_open) {
  std::unique_ptr<RawTerminal> raw;
  if (tty && stdin_open) raw = std::make_unique<RawTerminal>(STDIN_FILENO);
  struct sigaction winch {};
  winch.sa_handler = OnWinch;
  ::sigaction(SIGWINCH, &winch, nullptr);
  int out_fd = tty ? proc.terminal() : proc.stdout_fd();
  int err_fd = tty ? -1 : proc.stderr_fd();
  int in_target = tty ? proc.terminal() : proc.stdin_fd();
  bool in_open = stdin_open;
  char buf[32768];
  while (out_fd >= 0 || err_fd >= 0) {
    if (g_winch.exchange(false) && tty) {
      auto [rows, cols] = TerminalSize(STDIN_FILENO);
      (void)proc.Resize(rows, cols);
    }
    pollfd fds[3] = {
        {out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}, {in_open ? STDIN_FILENO : -1, POLLIN, 0}};
    int n = ::poll(fds, 3, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].revents == 0) continue;
      ssize_t r = ::read(fds[i].fd, buf, sizeof buf);
      if (r <= 0) {
        (i == 0 ? out_fd : err_fd) = -1;
        continue;
      }
      runtime::WriteAll(i == 0 ? STDOUT_FILENO : STDERR_FILENO,
                        std::string_view(buf, static_cast<size_t>(r)));
    }
    if (fds[2].revents) {
      ssize_t r = ::read(STDIN_FILENO, buf, sizeof buf);
      if (r <= 0) {
        in_open = false;
        if (!tty) proc.CloseStdin();
      } else {
        runtime::WriteAll(in_target, std::string_view(buf, static_cast<size_t>(r)));
      }
    }
  }
  raw.reset();
  auto code = proc.Wait();
  if (!code.ok()) return Fail(command, code.status());
  return *code;
}

int RunCtrExec(const std::vector<std::string>& args) {
  CtrArgs p("sampan ctr exec", "[-i] [-t] [-e K=V] CONTAINER COMMAND [ARG...]",
            {{"interactive", 'i', false, "Keep stdin open"},
             {"tty", 't', false, "Allocate a terminal"},
             {"env", 'e', true, "Environment variable K=V (repeatable)", ""}});
  if (auto exit = ParseCtrArgs(p, args, 2)) return *exit;
  const std::string& command = p.command();
  auto rt = OpenRuntime(p);
  if (!rt.ok()) return Fail(command, rt.status());
  auto id = (*rt)->ResolveContainer(p.positional()[0]);
  if (!id.ok()) return Fail(command, id.status());
  runtime::ExecOptions options;
  options.args.assign(p.positional().begin() + 1, p.positional().end());
  options.env = p.All("env");
  options.tty = p.Get("tty") == "true";
  options.stdin_open = p.Get("interactive") == "true";
  if (options.tty) std::tie(options.rows, options.cols) = TerminalSize(STDIN_FILENO);
  auto process = (*rt)->Exec(*id, options);
  if (!process.ok()) return Fail(command, process.status());
  runtime::ExecProcess& proc = **process;
  if (!proc.start_error().empty()) PrintError(command, proc.start_error());

  return StreamProcess(command, proc, options.tty, options.stdin_open);
}

int RunCtrAttach(const std::vector<std::string>& args) {
  CtrArgs p("sampan ctr attach", "[-i] CONTAINER",
            {{"interactive", 'i', false, "Pass stdin to the container (if it has one)"}});
  if (auto exit = ParseCtrArgs(p, args, 1)) return *exit;
  const std::string& command = p.command();
  auto rt = OpenRuntime(p);
  if (!rt.ok()) return Fail(command, rt.status());
  auto id = (*rt)->ResolveContainer(p.positional()[0]);
  if (!id.ok()) return Fail(command, id.status());
  auto spec = (*rt)->GetContainerSpec(*id);
  if (!spec.ok()) return Fail(command, spec.status());
  runtime::AttachOptions options;
  options.stdin = p.Get("interactive") == "true" && spec->process.stdin_open;
  auto process = (*rt)->Attach(*id, options);
  if (!process.ok()) return Fail(command, process.status());
  if (spec->process.tty) {
    auto [rows, cols] = TerminalSize(STDIN_FILENO);
    if (rows > 0) (void)(*process)->Resize(rows, cols);
  }
  return StreamProcess(command, **process, spec->process.tty, options.stdin);
}

}  // namespace sampan::cmd
