#include "pkg/kubelet/stats/stats_collector.h"

#include <time.h>

#include "pkg/kubelet/container_config.h"

namespace sampan::kubelet::stats {
namespace {

WallTime BootTime() {
  timespec ts{};
  clock_gettime(CLOCK_BOOTTIME, &ts);
  auto up = std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
  return std::chrono::time_point_cast<std::chrono::system_clock::duration>(
      std::chrono::system_clock::now() -
      std::chrono::duration_cast<std::chrono::system_clock::duration>(up));
}

MemoryStats MemoryOf(const runtime::CgroupStats& s, WallTime now) {
  MemoryStats m;
  m.time = now;
  m.usage_bytes = s.memory_usage_bytes;
  m.working_set_bytes = s.memory_working_set_bytes;
  m.rss_bytes = s.memory_rss_bytes;
  m.page_faults = s.memory_page_faults;
  m.major_page_faults = s.memory_major_page_faults;
  return m;
}

FsStats FsOf(const runtime::FsUsage& u, WallTime now) {
  FsStats fs;
  fs.time = now;
  fs.available_bytes = u.available_bytes;
  fs.capacity_bytes = u.capacity_bytes;
  fs.used_bytes = u.used_bytes;
  fs.inodes = u.inodes;
  fs.inodes_free = u.inodes_free;
  fs.inodes_used = u.inodes_used;
  return fs;
}

}  // namespace

StatsCollector::StatsCollector(runtime::Runtime& runtime, const Clock& clock,
                               StatsCollectorOptions options)
    : runtime_(runtime), clock_(clock), options_(std::move(options)) {}

std::optional<uint64_t> StatsCollector::Rate(const std::string& key, uint64_t cpu_ns,
                                             Clock::MonoTime now, WallTime wall_now,
                                             WallTime started) {
  Samples& s = samples_[key];
  s.seen = true;
  std::optional<uint64_t> rate;
  auto window_from = [&](const Sample& base) -> std::optional<uint64_t> {
    auto window = now - base.at;
    if (window < kMinRateWindow || cpu_ns < base.cpu_ns) return std::nullopt;
    double ns = std::chrono::duration<double, std::nano>(window).count();
    return static_cast<uint64_t>(static_cast<double>(cpu_ns - base.cpu_ns) * 1e9 / ns);
  };
  if (s.newer) rate = window_from(*s.newer);
  if (!rate && s.older) rate = window_from(*s.older);
  if (!rate && started.time_since_epoch().count() > 0 && wall_now > started) {
    double ns = std::chrono::duration<double, std::nano>(wall_now - started).count();
    if (ns >= 1e9) rate = static_cast<uint64_t>(static_cast<double>(cpu_ns) * 1e9 / ns);
  }
  // Keep samples at least kMinRateWindow apart, so that a burst of requests still measures
  // over a useful window.
  if (!s.newer || now - s.newer->at >= kMinRateWindow || cpu_ns < s.newer->cpu_ns) {
    s.older = s.newer;
    s.newer = Sample{now, cpu_ns};
  }
  return rate;
}

Result<Summary> StatsCollector::Collect() {
  std::lock_guard lock(mu_);
  last_demand_ = clock_.Now();
  return CollectLocked(true);
}

Result<Summary> StatsCollector::CollectInBackground(bool need_pods) {
  std::lock_guard lock(mu_);
  bool demand = last_demand_ && clock_.Now() - *last_demand_ < kDemandWindow;
  return CollectLocked(need_pods || demand);
}

Result<Summary> StatsCollector::CollectLocked(bool with_pods) {
  for (auto& [key, s] : samples_) s.seen = false;
  Clock::MonoTime now = clock_.Now();
  WallTime wall = clock_.WallNow();
  Summary summary;

  NodeStats& node = summary.node;
  node.node_name = options_.node_name;
  node.start_time = options_.boot_time ? options_.boot_time() : BootTime();
  ASSIGN_OR_RETURN(runtime::NodeUsage usage, options_.read_node());
  node.cpu.time = wall;
  node.cpu.usage_core_nano_seconds = usage.cpu_usage_ns;
  node.cpu.usage_nano_cores = Rate("node", usage.cpu_usage_ns, now, wall, node.start_time);
  node.memory.time = wall;
  node.memory.available_bytes = usage.memory_available_bytes;
  node.memory.usage_bytes = usage.memory_usage_bytes;
  node.memory.working_set_bytes = usage.memory_working_set_bytes;
  node.memory.rss_bytes = usage.memory_rss_bytes;
  node.memory.page_faults = usage.page_faults;
  node.memory.major_page_faults = usage.major_page_faults;
  if (Result<runtime::FsUsage> fs = options_.read_fs(options_.nodefs_path); fs.ok()) {
    node.fs = FsOf(*fs, wall);
  }
  if (Result<runtime::FsUsage> fs = options_.read_fs(options_.imagefs_path); fs.ok()) {
    node.image_fs = FsOf(*fs, wall);
  } else {
    node.image_fs = node.fs;
  }

  if (!with_pods) return summary;  // pod samples stay for the next demand
  ASSIGN_OR_RETURN(std::vector<runtime::SandboxStatus> sandboxes, runtime_.ListPodSandboxes());
  ASSIGN_OR_RETURN(std::vector<runtime::ContainerStatus> containers, runtime_.ListContainers());
  std::map<std::string, std::vector<const runtime::ContainerStatus*>> by_sandbox;
  for (const runtime::ContainerStatus& c : containers) {
    if (c.state == runtime::ContainerState::kRunning) by_sandbox[c.sandbox_id].push_back(&c);
  }
  for (const runtime::SandboxStatus& sandbox : sandboxes) {
    if (sandbox.state != runtime::SandboxState::kReady) continue;
    std::string uid = LabelValue(sandbox.config.labels, kPodUidLabel);
    if (uid.empty()) continue;  // not a pod's (sampan ctr)
    PodStats pod;
    pod.uid = uid;
    pod.name = LabelValue(sandbox.config.labels, kPodNameLabel);
    pod.namespace_ = LabelValue(sandbox.config.labels, kPodNamespaceLabel);
    pod.start_time = sandbox.created_at;
    for (const runtime::ContainerStatus* c : by_sandbox[sandbox.id]) {
      Result<runtime::CgroupStats> s = runtime_.ContainerStats(c->id);
      if (!s.ok()) {
        summary.scrape_error = true;
        continue;
      }
      ContainerStats container;
      container.name = LabelValue(c->labels, kContainerNameLabel);
      if (container.name.empty()) container.name = c->name;
      container.start_time = c->started_at;
      container.cpu.time = wall;
      container.cpu.usage_core_nano_seconds = s->cpu_usage_ns;
      container.cpu.usage_nano_cores = Rate(c->id, s->cpu_usage_ns, now, wall, c->started_at);
      container.memory = MemoryOf(*s, wall);
      pod.containers.push_back(std::move(container));
    }
    Result<runtime::CgroupStats> s = runtime_.PodSandboxStats(sandbox.id);
    if (!s.ok()) {
      summary.scrape_error = true;
      continue;
    }
    pod.cpu.time = wall;
    pod.cpu.usage_core_nano_seconds = s->cpu_usage_ns;
    pod.cpu.usage_nano_cores = Rate("pod/" + uid, s->cpu_usage_ns, now, wall, pod.start_time);
    pod.memory = MemoryOf(*s, wall);
    summary.pods.push_back(std::move(pod));
  }
  std::erase_if(samples_, [](const auto& entry) { return !entry.second.seen; });
  return summary;
}

}  // namespace sampan::kubelet::stats
