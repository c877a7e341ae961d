// LocalRuntime: the Runtime of this node over the state directory, shims and cgroups.

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "pkg/util/fs.h"
#include "pkg/util/log.h"
#include "pkg/util/random.h"
#include "runtime/attach/attach_client.h"
#include "runtime/cgroups/cgroup_util.h"
#include "runtime/cgroups/kube_layout.h"
#include "runtime/container/phases.h"
#include "runtime/exec.h"
#include "runtime/runtime.h"
#include "runtime/shim/spawn.h"
#include "runtime/state.h"
#include "runtime/sys/syscalls.h"

namespace sampan::runtime {
namespace {

const log::Logger kLog("runtime");
using cgroup_util::Join;
using Clock = std::chrono::steady_clock;

constexpr int kShimReportTimeoutMs = 60'000;

std::string NewId() { return RandomString(32, "0123456789abcdef"); }

// Polls `cond` every few milliseconds until true or `timeout` passes.
template <typename F>
bool PollUntil(F cond, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  for (;;) {
    if (cond()) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

class LocalRuntime final : public Runtime {
 public:
  LocalRuntime(RuntimeOptions options, std::unique_ptr<Cgroups> cgroups)
      : options_(std::move(options)), dirs_(options_.data_dir), cgroups_(std::move(cgroups)) {}

  // ------------------------------------------------------------ sandboxes
  Result<std::string> RunPodSandbox(const SandboxConfig& config) override {
    SandboxRecord record;
    record.status.id = NewId();
    record.status.config = config;
    record.status.created_at = std::chrono::system_clock::now();
    std::string parent = config.cgroup_parent.empty()
                             ? PodCgroupPath(QosClass::kBestEffort, record.status.id)
                             : config.cgroup_parent;
    record.cgroup_path = Join(options_.cgroup_root, parent);
    std::string dir = dirs_.Sandbox(record.status.id);
    RETURN_IF_ERROR(MakeDirs(dir, 0700));
    Status s = StartSandbox(dir, record);
    if (!s.ok()) {
      if (record.status.holder_pid > 0) ::kill(record.status.holder_pid, SIGKILL);
      for (const std::string& path : {HolderCgroup(record), record.cgroup_path}) {
        if (!cgroups_->Exists(path)) continue;
        PollUntil([&] { return cgroups_->Remove(path).ok(); }, std::chrono::milliseconds(2000));
      }
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
      return s;
    }
    kLog.Debug("sandbox {} ({}) ready, holder pid {}", record.status.id, config.name,
               record.status.holder_pid);
    return record.status.id;
  }

  Status StopPodSandbox(const std::string& id) override {
    std::string dir = dirs_.Sandbox(id);
    ASSIGN_OR_RETURN(SandboxRecord record, ReadSandboxRecord(dir));
    ASSIGN_OR_RETURN(std::vector<ContainerStatus> all, ListContainers());
    for (const ContainerStatus& c : all) {
      if (c.sandbox_id == id && c.state == ContainerState::kRunning) {
        RETURN_IF_ERROR(StopContainer(c.id, std::chrono::milliseconds(0)));
      }
    }
    if (record.status.holder_pid > 0 &&
        ProcessAlive(record.status.holder_pid, record.holder_start_time)) {
      ::kill(record.status.holder_pid, SIGKILL);
      PollUntil([&] { return !ProcessAlive(record.status.holder_pid, record.holder_start_time); },
                std::chrono::seconds(10));
    }
    record.status.state = SandboxState::kNotReady;
    record.status.netns_path.clear();
    return WriteSandboxRecord(dir, record);
  }

  Status RemovePodSandbox(const std::string& id) override {
    std::string dir = dirs_.Sandbox(id);
    if (::access(dir.c_str(), F_OK) != 0) return Status::Ok();
    RETURN_IF_ERROR(StopPodSandbox(id));
    ASSIGN_OR_RETURN(SandboxRecord record, ReadSandboxRecord(dir));
    ASSIGN_OR_RETURN(std::vector<ContainerStatus> all, ListContainers());
    for (const ContainerStatus& c : all) {
      if (c.sandbox_id == id) RETURN_IF_ERROR(RemoveContainer(c.id));
    }
    for (const std::string& path : {HolderCgroup(record), record.cgroup_path}) {
      if (!cgroups_->Exists(path)) continue;
      Status s;
      PollUntil([&] { return (s = cgroups_->Remove(path)).ok(); }, std::chrono::seconds(5));
      RETURN_IF_ERROR(s);
    }
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    if (ec) return Status::Internal("remove sandbox " + id + ": " + ec.message());
    return Status::Ok();
  }

  Result<SandboxStatus> PodSandboxStatus(const std::string& id) override {
    ASSIGN_OR_RETURN(SandboxRecord record, ReadSandboxRecord(dirs_.Sandbox(id)));
    FixSandbox(record);
    return record.status;
  }

  Result<std::vector<SandboxStatus>> ListPodSandboxes() override {
    std::vector<SandboxStatus> out;
    for (const std::string& id : ListIds(dirs_.sandboxes)) {
      Result<SandboxRecord> r = ReadSandboxRecord(dirs_.Sandbox(id));
      if (!r.ok()) continue;
      FixSandbox(*r);
      out.push_back(r->status);
    }
    return out;
  }

  Result<CgroupStats> PodSandboxStats(const std::string& id) override {
    ASSIGN_OR_RETURN(SandboxRecord record, ReadSandboxRecord(dirs_.Sandbox(id)));
    return cgroups_->Stats(record.cgroup_path);
  }

  // ------------------------------------------------------------ containers
  Result<std::string> CreateContainer(const std::string& sandbox_id, ContainerSpec spec) override {
    if (spec.id.empty()) spec.id = NewId();
    if (spec.name.empty()) spec.name = spec.id.substr(0, 12);
    if (spec.process.args.empty()) return Status::Invalid("no command given for the container");
    for (const std::string& dir : spec.lower_dirs) {
      struct stat st;
      if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        return Status::NotFound("image root file system not found: " + dir);
      }
    }
    if (spec.lower_dirs.empty()) return Status::Invalid("no root file system given");
    RETURN_IF_ERROR(ReserveName(sandbox_id, spec.name, spec.id));
    Result<std::string> created = CreateReserved(sandbox_id, std::move(spec));
    if (!created.ok()) ReleaseName(sandbox_id, spec.name, spec.id);
    return created;
  }

  // Names are unique per sandbox (and among standalone containers): a file per name under
  // the sandbox's (or the containers root's) names/ folder, created exclusively, holding the
  // id. Cheap where a scan of every container was not, and safe against concurrent creates.
  std::string NamePath(const std::string& sandbox_id, const std::string& name) const {
    return (sandbox_id.empty() ? dirs_.containers + "/.names/"
                               : dirs_.Sandbox(sandbox_id) + "/names/") +
           name;
  }

  Status ReserveName(const std::string& sandbox_id, const std::string& name,
                     const std::string& id) {
    if (name.empty() || name.find('/') != std::string::npos || name[0] == '.') {
      return Status::Invalid("invalid container name \"" + name + "\"");
    }
    std::string path = NamePath(sandbox_id, name);
    RETURN_IF_ERROR(MakeDirs(std::filesystem::path(path).parent_path(), 0700));
    for (int attempt = 0; attempt < 2; ++attempt) {
      int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
      if (fd >= 0) {
        bool ok = ::write(fd, id.data(), id.size()) == static_cast<ssize_t>(id.size());
        ::close(fd);
        if (!ok) return Status::FromErrno(errno, "write " + path);
        return Status::Ok();
      }
      if (errno != EEXIST) return Status::FromErrno(errno, "create " + path);
      Result<std::string> holder = ReadFileToString(path);
      if (holder.ok() && !holder->empty() &&
          ::access(dirs_.Container(*holder).c_str(), F_OK) == 0) {
        return Status::AlreadyExists("a container named \"" + name + "\" exists (" + *holder + ")");
      }
      ::unlink(path.c_str());  // left by a container that is gone
    }
    return Status::AlreadyExists("a container named \"" + name + "\" is being created");
  }

  void ReleaseName(const std::string& sandbox_id, const std::string& name, const std::string& id) {
    std::string path = NamePath(sandbox_id, name);
    Result<std::string> holder = ReadFileToString(path);
    if (holder.ok() && *holder == id) ::unlink(path.c_str());
  }

  Result<std::string> CreateReserved(const std::string& sandbox_id, ContainerSpec spec) {
    spec.sandbox_id = sandbox_id;
    if (sandbox_id.empty()) {
      spec.cgroup_path = Join(Join(options_.cgroup_root, "sampan"), spec.id);
    } else {
      ASSIGN_OR_RETURN(SandboxRecord sandbox, ReadSandboxRecord(dirs_.Sandbox(sandbox_id)));
      FixSandbox(sandbox);
      if (sandbox.status.state != SandboxState::kReady) {
        return Status::Invalid("sandbox " + sandbox_id + " is not ready");
      }
      const SandboxConfig& c = sandbox.status.config;
      NamespaceSpec& ns = spec.namespaces;
      ns.network = c.host_network ? NamespaceMode::kHost : NamespaceMode::kPod;
      ns.uts = c.host_network ? NamespaceMode::kHost : NamespaceMode::kPod;
      ns.ipc = c.host_ipc ? NamespaceMode::kHost : NamespaceMode::kPod;
      ns.pid = c.host_pid ? NamespaceMode::kHost
                          : (c.share_pid ? NamespaceMode::kPod : NamespaceMode::kContainer);
      std::string proc = "/proc/" + std::to_string(sandbox.status.holder_pid) + "/ns/";
      spec.namespace_paths.clear();
      if (ns.network == NamespaceMode::kPod) spec.namespace_paths["net"] = proc + "net";
      if (ns.uts == NamespaceMode::kPod) spec.namespace_paths["uts"] = proc + "uts";
      if (ns.ipc == NamespaceMode::kPod) spec.namespace_paths["ipc"] = proc + "ipc";
      if (ns.pid == NamespaceMode::kPod) spec.namespace_paths["pid"] = proc + "pid";
      spec.cgroup_path = Join(sandbox.cgroup_path, spec.id);
    }
    // Errors the shim would hit later are reported now.
    RETURN_IF_ERROR(ComputeCapabilities(spec.security).status());
    for (const auto& [key, value] : spec.sysctls) RETURN_IF_ERROR(ValidateSysctl(spec, key));
    if (spec.security.seccomp == SeccompKind::kLocalhost &&
        ::access(spec.security.seccomp_profile_path.c_str(), R_OK) != 0) {
      return Status::NotFound("seccomp profile not found: " + spec.security.seccomp_profile_path);
    }

    std::string dir = dirs_.Container(spec.id);
    RETURN_IF_ERROR(MakeDirs(dir, 0700));
    ContainerRecord record;
    ContainerStatus& s = record.status;
    s.id = spec.id;
    s.name = spec.name;
    s.sandbox_id = sandbox_id;
    s.image = spec.image;
    s.state = ContainerState::kCreated;
    s.created_at = std::chrono::system_clock::now();
    s.log_path = spec.log_path;
    s.labels = spec.labels;
    s.annotations = spec.annotations;
    Status st = WriteStateFile(dir + "/spec.json", SpecToJson(spec));
    if (st.ok() && ::mkfifo((dir + "/control").c_str(), 0600) != 0) {
      st = Status::FromErrno(errno, "mkfifo control");
    }
    if (st.ok()) st = WriteContainerRecord(dir, record);
    if (!st.ok()) {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
      return st;
    }
    return spec.id;
  }

  Status StartContainer(const std::string& id, const StartOptions& options) override {
    std::string dir = dirs_.Container(id);
    ASSIGN_OR_RETURN(ContainerRecord record, ReadContainerRecord(dir));
    if (record.status.state != ContainerState::kCreated) {
      return Status::Conflict("container " + id + " is " +
                              std::string(ContainerStateName(record.status.state)) +
                              ", not created");
    }
    ASSIGN_OR_RETURN(Pipe ready, MakePipe());
    std::vector<std::string> args = {"shim", "container",  "--bundle",
                                     dir,    "--ready-fd", std::to_string(kShimReadyFd)};
    if (options.stdin_fd >= 0) {
      args.insert(args.end(), {"--stdin-fd", std::to_string(kShimStdinFd)});
    }
    if (options.rows > 0) {
      args.insert(args.end(),
                  {"--rows", std::to_string(options.rows), "--cols", std::to_string(options.cols)});
    }
    RETURN_IF_ERROR(SpawnDaemon(options_.self_exe, args, ready.write.get(), options.stdin_fd));
    ready.write.Reset();
    ASSIGN_OR_RETURN(ShimReport report, ReadShimReport(ready.read.get(), kShimReportTimeoutMs));
    if (!report.ok) {
      return Status(report.code == 127 ? Code::kNotFound : Code::kInternal,
                    "start container " + id + ": " + report.message);
    }
    if (options.exit_notify != nullptr) *options.exit_notify = std::move(ready.read);
    return Status::Ok();
  }

  Status StopContainer(const std::string& id, std::chrono::milliseconds grace) override {
    std::string dir = dirs_.Container(id);
    ASSIGN_OR_RETURN(ContainerRecord record, ReadContainerRecord(dir));
    if (record.status.state != ContainerState::kRunning) return Status::Ok();
    ASSIGN_OR_RETURN(std::string spec_text, ReadFileToString(dir + "/spec.json"));
    ASSIGN_OR_RETURN(ContainerSpec spec, SpecFromJson(spec_text));
    pid_t pid = record.status.pid;
    uint64_t start = record.pid_start_time;
    auto exited = [&] {
      Result<ContainerRecord> r = ReadContainerRecord(dir);
      if (r.ok() && r->status.state != ContainerState::kRunning) return true;
      // The shim is gone (killed with its container?): nobody else will record the end.
      if (r.ok() && !ProcessAlive(r->status.shim_pid, r->shim_start_time) &&
          !ProcessAlive(pid, start)) {
        MarkVanished(dir, *r);
        return true;
      }
      return false;
    };
    if (grace.count() > 0 && ProcessAlive(pid, start)) {
      ::kill(pid, spec.stop_signal > 0 ? spec.stop_signal : SIGTERM);
      if (PollUntil(exited, grace)) return Status::Ok();
    }
    if (ProcessAlive(pid, start)) ::kill(pid, SIGKILL);
    if (!PollUntil(exited, std::chrono::seconds(10))) {
      return Status::Unavailable("container " + id + " did not exit after SIGKILL");
    }
    return Status::Ok();
  }

  Status RemoveContainer(const std::string& id) override {
    std::string dir = dirs_.Container(id);
    Result<ContainerRecord> record = ReadContainerRecord(dir);
    if (!record.ok()) {
      if (record.status().IsNotFound()) return Status::Ok();
      return record.status();
    }
    Fix(dir, *record);
    if (record->status.state == ContainerState::kRunning) {
      return Status::Conflict("container " + id + " is running: stop it first");
    }
    Result<std::string> spec_text = ReadFileToString(dir + "/spec.json");
    if (spec_text.ok()) {
      Result<ContainerSpec> spec = SpecFromJson(*spec_text);
      if (spec.ok() && cgroups_->Exists(spec->cgroup_path)) {
        RETURN_IF_ERROR(cgroups_->Remove(spec->cgroup_path));
      }
    }
    ReleaseName(record->status.sandbox_id, record->status.name, id);
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    if (ec) return Status::Internal("remove container " + id + ": " + ec.message());
    return Status::Ok();
  }

  Result<ContainerStatus> GetContainerStatus(const std::string& id) override {
    std::string dir = dirs_.Container(id);
    ASSIGN_OR_RETURN(ContainerRecord record, ReadContainerRecord(dir));
    Fix(dir, record);
    return record.status;
  }

  Result<std::vector<ContainerStatus>> ListContainers() override {
    std::vector<ContainerStatus> out;
    for (const std::string& id : ListIds(dirs_.containers)) {
      std::string dir = dirs_.Container(id);
      Result<ContainerRecord> r = ReadContainerRecord(dir);
      if (!r.ok()) continue;
      Fix(dir, *r);
      out.push_back(r->status);
    }
    std::sort(out.begin(), out.end(), [](const ContainerStatus& a, const ContainerStatus& b) {
      return a.created_at < b.created_at;
    });
    return out;
  }

  Result<std::string> ResolveContainer(const std::string& key) override {
    if (key.empty()) return Status::Invalid("empty container id");
    if (::access(dirs_.Container(key).c_str(), F_OK) == 0 && key.find('/') == std::string::npos) {
      return key;
    }
    ASSIGN_OR_RETURN(std::vector<ContainerStatus> all, ListContainers());
    std::vector<std::string> matches;
    for (const ContainerStatus& c : all) {
      if (c.name == key) return c.id;
      if (c.id.rfind(key, 0) == 0) matches.push_back(c.id);
    }
    if (matches.size() == 1) return matches[0];
    if (matches.empty()) return Status::NotFound("no such container: " + key);
    return Status::Invalid("container id prefix " + key + " is ambiguous");
  }

  Result<ContainerSpec> GetContainerSpec(const std::string& id) override {
    ASSIGN_OR_RETURN(std::string text, ReadFileToString(dirs_.Container(id) + "/spec.json"));
    return SpecFromJson(text);
  }

  Result<CgroupStats> ContainerStats(const std::string& id) override {
    ASSIGN_OR_RETURN(ContainerSpec spec, GetContainerSpec(id));
    return cgroups_->Stats(spec.cgroup_path);
  }

  Result<std::unique_ptr<ExecProcess>> Exec(const std::string& id,
                                            const ExecOptions& options) override {
    ASSIGN_OR_RETURN(ContainerStatus status, GetContainerStatus(id));
    if (status.state != ContainerState::kRunning) {
      return Status::Conflict("container " + id + " is not running");
    }
    ASSIGN_OR_RETURN(ContainerSpec spec, GetContainerSpec(id));
    return ExecInContainer(spec, status.pid, *cgroups_, options);
  }

  Result<std::unique_ptr<ExecProcess>> Attach(const std::string& id,
                                              const AttachOptions& options) override {
    ASSIGN_OR_RETURN(ContainerStatus status, GetContainerStatus(id));
    if (status.state != ContainerState::kRunning) {
      return Status::Conflict("container " + id + " is not running");
    }
    ASSIGN_OR_RETURN(ContainerSpec spec, GetContainerSpec(id));
    AttachTarget target;
    target.bundle = dirs_.Container(id);
    target.pid = status.pid;
    target.tty = spec.process.tty;
    target.has_input = spec.process.stdin_open;
    return AttachToShim(target, options);
  }

  Status ReadLogs(const std::string& id, LogReadOptions options, const LogSink& sink) override {
    ASSIGN_OR_RETURN(ContainerStatus status, GetContainerStatus(id));
    if (status.log_path.empty()) return Status::NotFound("container " + id + " has no log");
    if (options.follow && !options.done) {
      options.done = [this, id] {
        Result<ContainerStatus> s = GetContainerStatus(id);
        return !s.ok() || s->state == ContainerState::kExited;
      };
    }
    return ReadCriLogs(status.log_path, options, sink);
  }

  Status Recover() override {
    for (const std::string& id : ListIds(dirs_.containers)) {
      std::string dir = dirs_.Container(id);
      Result<ContainerRecord> r = ReadContainerRecord(dir);
      if (r.ok() && Fix(dir, *r)) MarkVanished(dir, *r);
    }
    for (const std::string& id : ListIds(dirs_.sandboxes)) {
      std::string dir = dirs_.Sandbox(id);
      Result<SandboxRecord> r = ReadSandboxRecord(dir);
      if (r.ok() && FixSandbox(*r)) (void)WriteSandboxRecord(dir, *r);
    }
    return Status::Ok();
  }

 private:
  // The holder gets a cgroup of its own under the pod's: cgroup v2 allows processes only in
  // leaves once controllers are enabled for children (the containers).
  static std::string HolderCgroup(const SandboxRecord& record) {
    return Join(record.cgroup_path, record.status.id);
  }

  Status StartSandbox(const std::string& dir, SandboxRecord& record) {
    RETURN_IF_ERROR(cgroups_->Create(HolderCgroup(record)));
    CgroupResources res;
    const ResourceSpec& r = record.status.config.resources;
    res.cpu_shares = r.cpu_shares;
    res.cpu_quota_us = r.cpu_quota_us;
    res.cpu_period_us = r.cpu_period_us;
    res.memory_limit = r.memory_limit;
    res.pids_limit = r.pids_limit;
    RETURN_IF_ERROR(cgroups_->Apply(record.cgroup_path, res));
    RETURN_IF_ERROR(WriteSandboxRecord(dir, record));
    ASSIGN_OR_RETURN(Pipe ready, MakePipe());
    RETURN_IF_ERROR(
        SpawnDaemon(options_.self_exe,
                    {"shim", "sandbox", "--dir", dir, "--ready-fd", std::to_string(kShimReadyFd)},
                    ready.write.get(), -1));
    ready.write.Reset();
    ASSIGN_OR_RETURN(ShimReport report, ReadShimReport(ready.read.get(), kShimReportTimeoutMs));
    if (!report.ok) return Status::Internal("sandbox: " + report.message);
    record.status.holder_pid = report.pid;
    record.holder_start_time = ProcessStartTime(report.pid);
    RETURN_IF_ERROR(cgroups_->AddProcess(HolderCgroup(record), report.pid));
    record.status.state = SandboxState::kReady;
    if (!record.status.config.host_network) {
      record.status.netns_path = "/proc/" + std::to_string(report.pid) + "/ns/net";
    }
    return WriteSandboxRecord(dir, record);
  }

  // A running container whose shim and process are both gone: returns true (and reports it
  // as exited/Unknown in `record`, without writing).
  // A running container whose shim is gone is reported as exited ("Unknown"). If its
  // processes outlived the shim they run unsupervised (no log, nobody to record their end,
  // output to a closed pipe): they are killed, so that the kubelet restarts the container as
  // its restart policy says instead of waiting for ever.
  bool Fix(const std::string& dir, ContainerRecord& record) {
    ContainerStatus& s = record.status;
    if (s.state != ContainerState::kRunning) return false;
    if (ProcessAlive(s.shim_pid, record.shim_start_time)) return false;
    if (ProcessAlive(s.pid, record.pid_start_time)) KillOrphaned(dir, record);
    s.state = ContainerState::kExited;
    s.exit_code = 255;
    s.reason = "Unknown";
    s.message = "the container's shim exited without recording the container's end";
    return true;
  }

  void KillOrphaned(const std::string& dir, const ContainerRecord& record) {
    kLog.Warn("container {}: its shim (pid {}) is gone; killing its processes", record.status.id,
              record.status.shim_pid);
    ::kill(record.status.pid, SIGKILL);
    Result<std::string> text = ReadFileToString(dir + "/spec.json");
    if (!text.ok()) return;
    Result<ContainerSpec> spec = SpecFromJson(*text);
    if (!spec.ok()) return;
    Result<std::vector<pid_t>> pids = cgroups_->Pids(spec->cgroup_path);
    if (!pids.ok()) return;
    for (pid_t pid : *pids) ::kill(pid, SIGKILL);
  }

  void MarkVanished(const std::string& dir, ContainerRecord record) {
    Fix(dir, record);
    if (record.status.finished_at.time_since_epoch().count() == 0) {
      record.status.finished_at = std::chrono::system_clock::now();
    }
    (void)WriteContainerRecord(dir, record);
  }

  bool FixSandbox(SandboxRecord& record) {
    if (record.status.state != SandboxState::kReady) return false;
    if (ProcessAlive(record.status.holder_pid, record.holder_start_time)) return false;
    record.status.state = SandboxState::kNotReady;
    record.status.netns_path.clear();
    return true;
  }

  static std::vector<std::string> ListIds(const std::string& root) {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(root, ec)) {
      std::string name = entry.path().filename().string();
      if (entry.is_directory() && name[0] != '.') out.push_back(name);  // .names/ is not one
    }
    return out;
  }

  RuntimeOptions options_;
  StateDirs dirs_;
  RealCgroupFs cgroup_fs_;
  std::unique_ptr<Cgroups> cgroups_;
};

}  // namespace

Result<std::unique_ptr<Runtime>> NewLocalRuntime(const RuntimeOptions& options) {
  static RealCgroupFs fs;
  ASSIGN_OR_RETURN(std::unique_ptr<Cgroups> cgroups, DetectCgroups(fs, ""));
  StateDirs dirs(options.data_dir);
  RETURN_IF_ERROR(MakeDirs(dirs.containers, 0700));
  RETURN_IF_ERROR(MakeDirs(dirs.sandboxes, 0700));
  return std::unique_ptr<Runtime>(std::make_unique<LocalRuntime>(options, std::move(cgroups)));
}

}  // namespace sampan::runtime
