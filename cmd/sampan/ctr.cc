// `sampan ctr`: run and inspect containers directly, without the API (debugging,
// benchmarks): run, ps, logs, exec, attach, stop, rm, inspect, and pod sandboxes (pod run/ls/rm).

#include <fmt/core.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "cmd/sampan/commands.h"
#include "cmd/sampan/ctr_common.h"
#include "cmd/sampan/ctr_image.h"
#include "pkg/util/time_format.h"
#include "runtime/state.h"

namespace sampan::cmd {

using runtime::ContainerState;
using runtime::ContainerStatus;

struct RawTerminal::Saved {
  termios attrs;
};

RawTerminal::RawTerminal(int fd) : fd_(fd) {
  if (!::isatty(fd)) return;
  saved_ = std::make_unique<Saved>();
  if (::tcgetattr(fd, &saved_->attrs) != 0) return;
  termios raw = saved_->attrs;
  ::cfmakeraw(&raw);
  active_ = ::tcsetattr(fd, TCSANOW, &raw) == 0;
}

RawTerminal::~RawTerminal() {
  if (active_) ::tcsetattr(fd_, TCSANOW, &saved_->attrs);
}

std::pair<uint16_t, uint16_t> TerminalSize(int fd) {
  winsize ws{};
  if (::ioctl(fd, TIOCGWINSZ, &ws) != 0) return {0, 0};
  return {ws.ws_row, ws.ws_col};
}

std::optional<int> ParseCtrArgs(CtrArgs& parsed, const std::vector<std::string>& args,
                                size_t min_positional) {
  Status s = parsed.Parse(args);
  if (s.ok() && parsed.help()) {
    fmt::print("{}", parsed.Usage());
    return kExitOk;
  }
  if (s.ok() && parsed.positional().size() < min_positional) {
    s = Status::Invalid("missing arguments");
  }
  if (!s.ok()) {
    PrintError(parsed.command(), s.message());
    fmt::print(stderr, "{}", parsed.Usage());
    return kExitUsage;
  }
  return std::nullopt;
}

Result<std::unique_ptr<runtime::Runtime>> OpenRuntime(const CtrArgs& parsed) {
  runtime::RuntimeOptions options;
  options.data_dir = parsed.Get("data-dir");
  options.cgroup_root = parsed.Get("cgroup-root");
  return runtime::NewLocalRuntime(options);
}

namespace {

std::string StatusText(const ContainerStatus& s) {
  using std::chrono::system_clock;
  auto since = [](runtime::WallTime t) {
    auto d = std::chrono::duration_cast<std::chrono::seconds>(system_clock::now() - t);
    return HumanDuration(d);
  };
  switch (s.state) {
    case ContainerState::kCreated: return "Created";
    case ContainerState::kRunning: return "Up " + since(s.started_at);
    case ContainerState::kExited:
      return fmt::format("Exited ({}) {} ago{}", s.exit_code, since(s.finished_at),
                         s.reason == "OOMKilled" ? " OOMKilled" : "");
    case ContainerState::kUnknown: return "Unknown";
  }
  return "Unknown";
}

int Fail(const std::string& command, const Status& s, int code = kExitFailure) {
  PrintError(command, s.message());
  return code;
}

int RunPs(const std::vector<std::string>& args) {
  CtrArgs parsed("sampan ctr ps", "[-a] [-q]",
                 {{"all", 'a', false, "Show all containers (default: running only)"},
                  {"quiet", 'q', false, "Only ids"}});
  if (auto exit = ParseCtrArgs(parsed, args, 0)) return *exit;
  auto rt = OpenRuntime(parsed);
  if (!rt.ok()) return Fail(parsed.command(), rt.status());
  auto list = (*rt)->ListContainers();
  if (!list.ok()) return Fail(parsed.command(), list.status());
  bool all = parsed.Get("all") == "true";
  bool quiet = parsed.Get("quiet") == "true";
  if (!quiet) {
    fmt::print("{:<14}{:<22}{:<24}{:<28}{}\n", "CONTAINER ID", "IMAGE", "COMMAND", "STATUS",
               "NAMES");
  }
  for (const ContainerStatus& c : *list) {
    if (!all && c.state != ContainerState::kRunning) continue;
    if (quiet) {
      fmt::print("{}\n", c.id.substr(0, 12));
      continue;
    }
    std::string command;
    if (auto spec = (*rt)->GetContainerSpec(c.id); spec.ok()) {
      for (const std::string& a : spec->process.args) command += (command.empty() ? "" : " ") + a;
    }
    if (command.size() > 20) command = command.substr(0, 19) + "…";
    std::string image = c.image.size() > 20 ? c.image.substr(0, 19) + "…" : c.image;
    fmt::print("{:<14}{:<22}{:<24}{:<28}{}\n", c.id.substr(0, 12), image, "\"" + command + "\"",
               StatusText(c), c.name);
  }
  return kExitOk;
}

int RunLogs(const std::vector<std::string>& args) {
  CtrArgs parsed("sampan ctr logs", "[-f] [--tail N] [--since TIME] [-t] CONTAINER",
                 {{"follow", 'f', false, "Follow the output until the container exits"},
                  {"tail", 0, true, "Lines from the end (-1 = all)", "-1"},
                  {"since", 0, true, "Only lines at or after this RFC 3339 time", ""},
                  {"timestamps", 't', false, "Show timestamps"}});
  if (auto exit = ParseCtrArgs(parsed, args, 1)) return *exit;
  auto rt = OpenRuntime(parsed);
  if (!rt.ok()) return Fail(parsed.command(), rt.status());
  auto id = (*rt)->ResolveContainer(parsed.positional()[0]);
  if (!id.ok()) return Fail(parsed.command(), id.status());
  runtime::LogReadOptions options;
  options.follow = parsed.Get("follow") == "true";
  options.timestamps = parsed.Get("timestamps") == "true";
  options.tail = std::atoll(parsed.Get("tail").c_str());
  if (std::string since = parsed.Get("since"); !since.empty()) {
    options.since = ParseRfc3339(since);
    if (!options.since)
      return Fail(parsed.command(), Status::Invalid("bad --since time: " + since), kExitUsage);
  }
  Status s = (*rt)->ReadLogs(*id, options, [](runtime::LogStream stream, std::string_view line) {
    FILE* out = stream == runtime::LogStream::kStdout ? stdout : stderr;
    std::fwrite(line.data(), 1, line.size(), out);
    std::fflush(out);
    return true;
  });
  if (!s.ok()) return Fail(parsed.command(), s);
  return kExitOk;
}

int RunStop(const std::vector<std::string>& args) {
  CtrArgs parsed("sampan ctr stop", "[-t SECONDS] CONTAINER...",
                 {{"time", 't', true, "Seconds to wait before SIGKILL", "10"}});
  if (auto exit = ParseCtrArgs(parsed, args, 1)) return *exit;
  auto rt = OpenRuntime(parsed);
  if (!rt.ok()) return Fail(parsed.command(), rt.status());
  std::chrono::milliseconds grace(std::atoll(parsed.Get("time").c_str()) * 1000);
  int rc = kExitOk;
  for (const std::string& key : parsed.positional()) {
    auto id = (*rt)->ResolveContainer(key);
    Status s = id.ok() ? (*rt)->StopContainer(*id, grace) : id.status();
    if (!s.ok()) {
      rc = Fail(parsed.command(), s);
      continue;
    }
    fmt::print("{}\n", key);
  }
  return rc;
}

int RunRm(const std::vector<std::string>& args) {
  CtrArgs parsed("sampan ctr rm", "[-f] CONTAINER...",
                 {{"force", 'f', false, "Kill a running container first"}});
  if (auto exit = ParseCtrArgs(parsed, args, 1)) return *exit;
  auto rt = OpenRuntime(parsed);
  if (!rt.ok()) return Fail(parsed.command(), rt.status());
  int rc = kExitOk;
  for (const std::string& key : parsed.positional()) {
    auto id = (*rt)->ResolveContainer(key);
    Status s = id.status();
    if (s.ok() && parsed.Get("force") == "true")
      s = (*rt)->StopContainer(*id, std::chrono::milliseconds(0));
    if (s.ok()) s = (*rt)->RemoveContainer(*id);
    if (s.ok()) ReleaseImage(parsed.Get("data-dir"), *id);
    if (!s.ok()) {
      rc = Fail(parsed.command(), s);
      continue;
    }
    fmt::print("{}\n", key);
  }
  return rc;
}

nlohmann::json StatusJson(const ContainerStatus& s) {
  auto time = [](runtime::WallTime t) -> nlohmann::json {
    if (t.time_since_epoch().count() == 0) return nullptr;
    return FormatRfc3339Nano(t);
  };
  return {{"id", s.id},
          {"name", s.name},
          {"sandbox_id", s.sandbox_id},
          {"image", s.image},
          {"state", std::string(runtime::ContainerStateName(s.state))},
          {"pid", s.pid},
          {"shim_pid", s.shim_pid},
          {"created_at", time(s.created_at)},
          {"started_at", time(s.started_at)},
          {"finished_at", time(s.finished_at)},
          {"exit_code", s.exit_code},
          {"signal", s.signal},
          {"reason", s.reason},
          {"message", s.message},
          {"log_path", s.log_path},
          {"labels", s.labels},
          {"annotations", s.annotations}};
}

int RunInspect(const std::vector<std::string>& args) {
  CtrArgs parsed("sampan ctr inspect", "CONTAINER...", {});
  if (auto exit = ParseCtrArgs(parsed, args, 1)) return *exit;
  auto rt = OpenRuntime(parsed);
  if (!rt.ok()) return Fail(parsed.command(), rt.status());
  nlohmann::json out = nlohmann::json::array();
  int rc = kExitOk;
  for (const std::string& key : parsed.positional()) {
    auto id = (*rt)->ResolveContainer(key);
    if (!id.ok()) {
      rc = Fail(parsed.command(), id.status());
      continue;
    }
    auto status = (*rt)->GetContainerStatus(*id);
    if (!status.ok()) {
      rc = Fail(parsed.command(), status.status());
      continue;
    }
    nlohmann::json j = {{"status", StatusJson(*status)}};
    if (auto spec = (*rt)->GetContainerSpec(*id); spec.ok()) {
      j["spec"] = nlohmann::json::parse(runtime::SpecToJson(*spec));
    }
    if (status->state == ContainerState::kRunning) {
      if (auto stats = (*rt)->ContainerStats(*id); stats.ok()) {
        j["stats"] = {{"cpu_usage_ns", stats->cpu_usage_ns},
                      {"memory_usage_bytes", stats->memory_usage_bytes},
                      {"memory_working_set_bytes", stats->memory_working_set_bytes},
                      {"oom_kills", stats->oom_kills},
                      {"pids_current", stats->pids_current},
                      {"cpu_throttled_periods", stats->cpu_throttled_periods}};
      }
    }
    out.push_back(std::move(j));
  }
  fmt::print("{}\n", out.dump(2));
  return rc;
}

int RunPod(const std::vector<std::string>& args) {
  CtrArgs parsed("sampan ctr pod", "run|ls|stop|rm [flags] [ID...]",
                 {{"name", 0, true, "Sandbox name (run)", ""},
                  {"hostname", 0, true, "Host name of the pod (run)", ""},
                  {"share-pid", 0, false, "One PID namespace for the pod's containers (run)"},
                  {"network", 0, true, "pod or host (run)", "pod"},
                  {"memory", 0, true, "Pod memory limit (run)", ""}});
  std::string verb = args.empty() ? "" : args[0];
  std::vector<std::string> rest(args.begin() + (args.empty() ? 0 : 1), args.end());
  if (verb.empty() || verb.starts_with("-")) rest = args;
  if (auto exit = ParseCtrArgs(parsed, rest, 0)) return *exit;
  if (verb.empty() || verb.starts_with("-")) {
    return Fail(parsed.command(), Status::Invalid("missing verb: run, ls, stop or rm"), kExitUsage);
  }
  auto rt = OpenRuntime(parsed);
  if (!rt.ok()) return Fail(parsed.command(), rt.status());
  const std::vector<std::string>& ids = parsed.positional();
  if (verb == "run") {
    runtime::SandboxConfig config;
    config.name = parsed.Get("name");
    config.hostname = parsed.Get("hostname");
    config.share_pid = parsed.Get("share-pid") == "true";
    config.host_network = parsed.Get("network") == "host";
    if (std::string m = parsed.Get("memory"); !m.empty()) {
      auto bytes = ParseMemory(m);
      if (!bytes.ok()) return Fail(parsed.command(), bytes.status(), kExitUsage);
      config.resources.memory_limit = *bytes;
    }
    auto id = (*rt)->RunPodSandbox(config);
    if (!id.ok()) return Fail(parsed.command(), id.status());
    fmt::print("{}\n", *id);
    return kExitOk;
  }
  if (verb == "ls") {
    auto list = (*rt)->ListPodSandboxes();
    if (!list.ok()) return Fail(parsed.command(), list.status());
    fmt::print("{:<34}{:<10}{:<8}{}\n", "POD ID", "STATE", "PID", "NAME");
    for (const auto& s : *list) {
      fmt::print("{:<34}{:<10}{:<8}{}\n", s.id,
                 s.state == runtime::SandboxState::kReady ? "Ready" : "NotReady", s.holder_pid,
                 s.config.name);
    }
    return kExitOk;
  }
  if (verb == "stop" || verb == "rm") {
    int rc = kExitOk;
    for (const std::string& id : ids) {
      Status s = verb == "stop" ? (*rt)->StopPodSandbox(id) : (*rt)->RemovePodSandbox(id);
      if (!s.ok()) rc = Fail(parsed.command(), s);
    }
    return rc;
  }
  return Fail(parsed.command(), Status::Invalid("unknown pod verb " + verb), kExitUsage);
}

struct CtrCommand {
  std::string_view name;
  std::string_view summary;
  int (*run)(const std::vector<std::string>& args);
};

constexpr CtrCommand kCtrCommands[] = {
    {"run", "Run a container", RunCtrRun},
    {"ps", "List containers", RunPs},
    {"logs", "Print a container's log", RunLogs},
    {"exec", "Run a command in a running container", RunCtrExec},
    {"attach", "Attach to a running container's output (and input with -i)", RunCtrAttach},
    {"stop", "Stop containers (stop signal, then SIGKILL)", RunStop},
    {"rm", "Remove containers", RunRm},
    {"inspect", "Show containers' state, spec and usage as JSON", RunInspect},
    {"pod", "Pod sandboxes: pod run|ls|stop|rm", RunPod},
};

std::string CtrUsage() {
  std::string out = "Usage: sampan ctr COMMAND [flags]\n\nCommands:\n";
  for (const CtrCommand& c : kCtrCommands) out += fmt::format("  {:<9} {}\n", c.name, c.summary);
  out += "\nEvery command takes --data-dir (default /var/lib/sampan, env SAMPAN_DATA_DIR).\n";
  return out;
}

}  // namespace

int RunCtr(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "-h" || args[0] == "--help") {
    fmt::print("{}", CtrUsage());
    return args.empty() ? kExitUsage : kExitOk;
  }
  for (const CtrCommand& c : kCtrCommands) {
    if (c.name == args[0]) return c.run(std::vector<std::string>(args.begin() + 1, args.end()));
  }
  PrintError("sampan ctr", fmt::format("unknown command \"{}\"", args[0]));
  fmt::print(stderr, "{}", CtrUsage());
  return kExitUsage;
}

}  // namespace sampan::cmd
