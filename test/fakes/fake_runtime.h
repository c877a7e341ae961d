#pragma once
// FakeRuntime: an in-memory runtime::Runtime for kubelet tests (no root, no kernel).
// Sandboxes are ready at once; containers run when started and exit when the test says so
// (Exit), which also fires the exit notification the kubelet watches. StopContainer ends a
// container as SIGTERM would (exit 143). Records the specs it was given. Thread-safe.

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/runtime.h"

namespace sampan::testing {

class FakeRuntime final : public runtime::Runtime {
 public:
  Result<std::string> RunPodSandbox(const runtime::SandboxConfig& config) override {
    std::lock_guard<std::mutex> lock(mu_);
    runtime::SandboxStatus s;
    s.id = "sb" + std::to_string(++next_);
    s.config = config;
    s.state = runtime::SandboxState::kReady;
    s.created_at = Now();
    s.netns_path = config.host_network ? "" : "/proc/self/ns/net";
    sandboxes_[s.id] = s;
    return s.id;
  }
  Status StopPodSandbox(const std::string& id) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = sandboxes_.find(id);
    if (it == sandboxes_.end()) return Status::Ok();
    it->second.state = runtime::SandboxState::kNotReady;
    for (auto& [cid, c] : containers_) {
      if (c.status.sandbox_id == id && c.status.state == runtime::ContainerState::kRunning) {
        ExitLocked(c, 137, "Error");
      }
    }
    return Status::Ok();
  }
  Status RemovePodSandbox(const std::string& id) override {
    std::lock_guard<std::mutex> lock(mu_);
    sandboxes_.erase(id);
    std::erase_if(containers_, [&](const auto& e) { return e.second.status.sandbox_id == id; });
    return Status::Ok();
  }
  Result<runtime::SandboxStatus> PodSandboxStatus(const std::string& id) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = sandboxes_.find(id);
    if (it == sandboxes_.end()) return Status::NotFound("sandbox " + id);
    return it->second;
  }
  Result<std::vector<runtime::SandboxStatus>> ListPodSandboxes() override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<runtime::SandboxStatus> out;
    for (const auto& [id, s] : sandboxes_) out.push_back(s);
    return out;
  }

  Result<std::string> CreateContainer(const std::string& sandbox_id,
                                      runtime::ContainerSpec spec) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (sandboxes_.count(sandbox_id) == 0) return Status::Invalid("no sandbox " + sandbox_id);
    Container c;
    c.spec = spec;
    c.status.id = spec.id;
    c.status.name = spec.name;
    c.status.sandbox_id = sandbox_id;
    c.status.image = spec.image;
    c.status.state = runtime::ContainerState::kCreated;
    c.status.created_at = Now();
    c.status.labels = spec.labels;
    c.status.annotations = spec.annotations;
    containers_[spec.id] = c;
    created_.push_back(spec);
    return spec.id;
  }
  Status StartContainer(const std::string& id, const runtime::StartOptions& options) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = containers_.find(id);
    if (it == containers_.end()) return Status::NotFound("container " + id);
    Container& c = it->second;
    c.status.state = runtime::ContainerState::kRunning;
    c.status.started_at = Now();
    if (options.exit_notify != nullptr) {
      int fds[2];
      if (::pipe2(fds, O_CLOEXEC) == 0) {
        *options.exit_notify = UniqueFd(fds[0]);
        c.notify_write = fds[1];
      }
    }
    return Status::Ok();
  }
  Status StopContainer(const std::string& id, std::chrono::milliseconds) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = containers_.find(id);
    if (it == containers_.end()) return Status::Ok();
    if (it->second.status.state == runtime::ContainerState::kRunning) {
      ExitLocked(it->second, 143, "Error");
    }
    return Status::Ok();
  }
  Status RemoveContainer(const std::string& id) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = containers_.find(id);
    if (it == containers_.end()) return Status::Ok();
    if (it->second.status.state == runtime::ContainerState::kRunning) {
      return Status::Conflict("running");
    }
    containers_.erase(it);
    return Status::Ok();
  }
  Result<runtime::ContainerStatus> GetContainerStatus(const std::string& id) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = containers_.find(id);
    if (it == containers_.end()) return Status::NotFound("container " + id);
    return it->second.status;
  }
  Result<std::vector<runtime::ContainerStatus>> ListContainers() override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<runtime::ContainerStatus> out;
    for (const auto& [id, c] : containers_) out.push_back(c.status);
    return out;
  }
  Result<std::string> ResolveContainer(const std::string& key) override { return key; }
  Result<runtime::ContainerSpec> GetContainerSpec(const std::string& id) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = containers_.find(id);
    if (it == containers_.end()) return Status::NotFound("container " + id);
    return it->second.spec;
  }
  Result<runtime::CgroupStats> ContainerStats(const std::string& id) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = stats_.find(id);
    return it == stats_.end() ? runtime::CgroupStats{} : it->second;
  }
  Result<runtime::CgroupStats> PodSandboxStats(const std::string& id) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = stats_.find(id);
    return it == stats_.end() ? runtime::CgroupStats{} : it->second;
  }
  Result<std::unique_ptr<runtime::ExecProcess>> Exec(const std::string&,
                                                     const runtime::ExecOptions&) override {
    return Status::Invalid("the fake runtime cannot exec");
  }
  Result<std::unique_ptr<runtime::ExecProcess>> Attach(const std::string&,
                                                       const runtime::AttachOptions&) override {
    return Status::Invalid("the fake runtime cannot attach");
  }
  Status ReadLogs(const std::string&, runtime::LogReadOptions, const runtime::LogSink&) override {
    return Status::Ok();
  }
  Status Recover() override { return Status::Ok(); }

  // --- test controls ---------------------------------------------------------------------
  // What ContainerStats/PodSandboxStats report for a container or sandbox id.
  void SetStats(const std::string& id, runtime::CgroupStats stats) {
    std::lock_guard<std::mutex> lock(mu_);
    stats_[id] = stats;
  }
  // Ends the running container named `name` (the kubelet's container name label).
  bool Exit(const std::string& container_name, int code) {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [id, c] : containers_) {
      auto label = c.status.labels.find("io.kubernetes.container.name");
      if (label != c.status.labels.end() && label->second == container_name &&
          c.status.state == runtime::ContainerState::kRunning) {
        ExitLocked(c, code, code == 0 ? "Completed" : "Error");
        return true;
      }
    }
    return false;
  }
  std::vector<runtime::ContainerSpec> created() const {
    std::lock_guard<std::mutex> lock(mu_);
    return created_;
  }
  size_t running() const {
    std::lock_guard<std::mutex> lock(mu_);
    size_t n = 0;
    for (const auto& [id, c] : containers_)
      n += c.status.state == runtime::ContainerState::kRunning;
    return n;
  }
  size_t containers() const {
    std::lock_guard<std::mutex> lock(mu_);
    return containers_.size();
  }
  size_t sandboxes() const {
    std::lock_guard<std::mutex> lock(mu_);
    return sandboxes_.size();
  }

 private:
  std::map<std::string, runtime::CgroupStats> stats_;
  struct Container {
    runtime::ContainerSpec spec;
    runtime::ContainerStatus status;
    int notify_write = -1;
  };
  static runtime::WallTime Now() { return std::chrono::system_clock::now(); }
  void ExitLocked(Container& c, int code, const std::string& reason) {
    c.status.state = runtime::ContainerState::kExited;
    c.status.exit_code = code;
    c.status.reason = reason;
    c.status.finished_at = Now();
    if (c.notify_write >= 0) {
      ::close(c.notify_write);
      c.notify_write = -1;
    }
  }

  mutable std::mutex mu_;
  int next_ = 0;
  std::map<std::string, runtime::SandboxStatus> sandboxes_;
  std::map<std::string, Container> containers_;
  std::vector<runtime::ContainerSpec> created_;
};

}  // namespace sampan::testing
