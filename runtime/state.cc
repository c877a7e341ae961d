#include "runtime/state.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "pkg/util/fs.h"
#include "runtime/sys/syscalls.h"

namespace sampan::runtime {

std::string_view ContainerStateName(ContainerState state) {
  switch (state) {
    case ContainerState::kCreated: return "created";
    case ContainerState::kRunning: return "running";
    case ContainerState::kExited: return "exited";
    case ContainerState::kUnknown: return "unknown";
  }
  return "unknown";
}

int64_t ToUnixNanos(WallTime t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}
WallTime FromUnixNanos(int64_t ns) {
  return WallTime(std::chrono::duration_cast<WallTime::duration>(std::chrono::nanoseconds(ns)));
}

Status WriteStateFile(const std::string& path, const std::string& data) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::FromErrno(errno, "open " + tmp);
  bool ok = WriteAll(fd, data);
  int err = errno;
  ::close(fd);
  if (!ok) return Status::FromErrno(err, "write " + tmp);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return Status::FromErrno(errno, "rename " + path);
  return Status::Ok();
}

namespace {

NLOHMANN_JSON_SERIALIZE_ENUM(ContainerState, {{ContainerState::kUnknown, "unknown"},
                                              {ContainerState::kCreated, "created"},
                                              {ContainerState::kRunning, "running"},
                                              {ContainerState::kExited, "exited"}})
NLOHMANN_JSON_SERIALIZE_ENUM(SandboxState, {{SandboxState::kNotReady, "notready"},
                                            {SandboxState::kReady, "ready"}})

}  // namespace

// ResourceSpec's JSON lives in spec.cc; sandbox configs reuse it through the spec format.
std::string ContainerRecordToJson(const ContainerRecord& r) {
  const ContainerStatus& s = r.status;
  nlohmann::json j = {
      {"id", s.id},
      {"name", s.name},
      {"sandbox_id", s.sandbox_id},
      {"image", s.image},
      {"state", s.state},
      {"pid", s.pid},
      {"pid_start_time", r.pid_start_time},
      {"shim_pid", s.shim_pid},
      {"shim_start_time", r.shim_start_time},
      {"created_at", ToUnixNanos(s.created_at)},
      {"started_at", ToUnixNanos(s.started_at)},
      {"finished_at", ToUnixNanos(s.finished_at)},
      {"exit_code", s.exit_code},
      {"signal", s.signal},
      {"reason", s.reason},
      {"message", s.message},
      {"log_path", s.log_path},
      {"labels", s.labels},
      {"annotations", s.annotations},
  };
  return j.dump();
}

Result<ContainerRecord> ContainerRecordFromJson(const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::Invalid("container state: not JSON");
  try {
    ContainerRecord r;
    ContainerStatus& s = r.status;
    s.id = j.value("id", "");
    s.name = j.value("name", "");
    s.sandbox_id = j.value("sandbox_id", "");
    s.image = j.value("image", "");
    s.state = j.value("state", ContainerState::kUnknown);
    s.pid = j.value("pid", 0);
    r.pid_start_time = j.value("pid_start_time", uint64_t{0});
    s.shim_pid = j.value("shim_pid", 0);
    r.shim_start_time = j.value("shim_start_time", uint64_t{0});
    s.created_at = FromUnixNanos(j.value("created_at", int64_t{0}));
    s.started_at = FromUnixNanos(j.value("started_at", int64_t{0}));
    s.finished_at = FromUnixNanos(j.value("finished_at", int64_t{0}));
    s.exit_code = j.value("exit_code", 0);
    s.signal = j.value("signal", 0);
    s.reason = j.value("reason", "");
    s.message = j.value("message", "");
    s.log_path = j.value("log_path", "");
    s.labels = j.value("labels", std::map<std::string, std::string>{});
    s.annotations = j.value("annotations", std::map<std::string, std::string>{});
    return r;
  } catch (const nlohmann::json::exception& e) {
    return Status::Invalid(std::string("container state: ") + e.what());
  }
}

Result<ContainerRecord> ReadContainerRecord(const std::string& dir) {
  ASSIGN_OR_RETURN(std::string text, ReadFileToString(dir + "/state.json"));
  return ContainerRecordFromJson(text);
}

Status WriteContainerRecord(const std::string& dir, const ContainerRecord& record) {
  return WriteStateFile(dir + "/state.json", ContainerRecordToJson(record));
}

std::string SandboxRecordToJson(const SandboxRecord& r) {
  const SandboxStatus& s = r.status;
  const SandboxConfig& c = s.config;
  nlohmann::json j = {
      {"id", s.id},
      {"state", s.state},
      {"holder_pid", s.holder_pid},
      {"holder_start_time", r.holder_start_time},
      {"created_at", ToUnixNanos(s.created_at)},
      {"netns_path", s.netns_path},
      {"cgroup_path", r.cgroup_path},
      {"config",
       {{"name", c.name},
        {"hostname", c.hostname},
        {"host_network", c.host_network},
        {"host_ipc", c.host_ipc},
        {"host_pid", c.host_pid},
        {"share_pid", c.share_pid},
        {"cgroup_parent", c.cgroup_parent},
        {"resources",
         {{"cpu_shares", c.resources.cpu_shares},
          {"cpu_quota_us", c.resources.cpu_quota_us},
          {"cpu_period_us", c.resources.cpu_period_us},
          {"memory_limit", c.resources.memory_limit},
          {"pids_limit", c.resources.pids_limit}}},
        {"labels", c.labels},
        {"annotations", c.annotations}}},
  };
  return j.dump();
}

Result<SandboxRecord> SandboxRecordFromJson(const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::Invalid("sandbox state: not JSON");
  try {
    SandboxRecord r;
    SandboxStatus& s = r.status;
    s.id = j.value("id", "");
    s.state = j.value("state", SandboxState::kNotReady);
    s.holder_pid = j.value("holder_pid", 0);
    r.holder_start_time = j.value("holder_start_time", uint64_t{0});
    s.created_at = FromUnixNanos(j.value("created_at", int64_t{0}));
    s.netns_path = j.value("netns_path", "");
    r.cgroup_path = j.value("cgroup_path", "");
    const nlohmann::json& c = j.at("config");
    SandboxConfig& cfg = s.config;
    cfg.name = c.value("name", "");
    cfg.hostname = c.value("hostname", "");
    cfg.host_network = c.value("host_network", false);
    cfg.host_ipc = c.value("host_ipc", false);
    cfg.host_pid = c.value("host_pid", false);
    cfg.share_pid = c.value("share_pid", false);
    cfg.cgroup_parent = c.value("cgroup_parent", "");
    const nlohmann::json& res = c.at("resources");
    cfg.resources.cpu_shares = res.value("cpu_shares", int64_t{0});
    cfg.resources.cpu_quota_us = res.value("cpu_quota_us", int64_t{0});
    cfg.resources.cpu_period_us = res.value("cpu_period_us", int64_t{100000});
    cfg.resources.memory_limit = res.value("memory_limit", int64_t{0});
    cfg.resources.pids_limit = res.value("pids_limit", int64_t{0});
    cfg.labels = c.value("labels", std::map<std::string, std::string>{});
    cfg.annotations = c.value("annotations", std::map<std::string, std::string>{});
    return r;
  } catch (const nlohmann::json::exception& e) {
    return Status::Invalid(std::string("sandbox state: ") + e.what());
  }
}

Result<SandboxRecord> ReadSandboxRecord(const std::string& dir) {
  ASSIGN_OR_RETURN(std::string text, ReadFileToString(dir + "/state.json"));
  return SandboxRecordFromJson(text);
}

Status WriteSandboxRecord(const std::string& dir, const SandboxRecord& record) {
  return WriteStateFile(dir + "/state.json", SandboxRecordToJson(record));
}

}  // namespace sampan::runtime
