// cgroup v1: one hierarchy per controller (legacy and hybrid hosts).

#include <fmt/core.h>

#include <algorithm>
#include <memory>
#include <string>

#include "runtime/cgroups/cgroup_util.h"
#include "runtime/cgroups/cgroups.h"
#include "runtime/cgroups/knobs.h"
#include "runtime/cgroups/kube_layout.h"

namespace sampan::runtime {
namespace {

using cgroup_util::Join;

class CgroupV1 final : public Cgroups {
 public:
  CgroupV1(CgroupFs& fs, std::vector<V1Mount> mounts, std::string root)
      : fs_(fs), mounts_(std::move(mounts)), root_(std::move(root)) {}

  CgroupVersion version() const override { return CgroupVersion::kV1; }

  Status Create(const std::string& path) override {
    std::string full = Join(root_, path);
    for (const V1Mount& m : mounts_) {
      for (const std::string& prefix : cgroup_util::Prefixes(full)) {
        std::string dir = Join(m.mount_point, prefix);
        if (!fs_.Exists(dir)) {
          Status made = fs_.MakeDir(dir);
          // Another creator may have made it meanwhile (pods start concurrently).
          if (!made.ok() && !fs_.Exists(dir)) {
            return made.WithContext("cgroup v1 " + m.controller);
          }
        }
        // Every level, every time: a cpuset made by a concurrent creator may not have its
        // cpus/mems yet, and a child copied from it would accept no task, for ever.
        if (m.controller == "cpuset") RETURN_IF_ERROR(InitCpuset(dir));
      }
    }
    return Status::Ok();
  }

  Status Apply(const std::string& path, const CgroupResources& r) override {
    if (r.cpu_shares > 0) {
      RETURN_IF_ERROR(Set(path, Knob::kCpuShares, std::to_string(r.cpu_shares)));
    }
    if (r.cpu_quota_us > 0) {
      RETURN_IF_ERROR(Set(path, Knob::kCpuPeriod, std::to_string(r.cpu_period_us)));
      RETURN_IF_ERROR(Set(path, Knob::kCpuQuota, std::to_string(r.cpu_quota_us)));
    }
    if (r.memory_limit > 0) {
      RETURN_IF_ERROR(Set(path, Knob::kMemoryLimit, std::to_string(r.memory_limit)));
      // With swap accounting, limit memory+swap to the same value (no swap use).
      std::string swap = File(path, Knob::kMemorySwap);
      if (!swap.empty() && fs_.Exists(swap)) {
        RETURN_IF_ERROR(fs_.Write(swap, std::to_string(r.memory_limit)));
      }
    }
    if (r.pids_limit > 0) {
      RETURN_IF_ERROR(Set(path, Knob::kPidsLimit, std::to_string(r.pids_limit)));
    }
    if (r.restrict_devices) {
      if (const V1Mount* m = Mount("devices")) {
        std::string dir = Join(m->mount_point, Join(root_, path));
        RETURN_IF_ERROR(fs_.Write(Join(dir, "devices.deny"), "a"));
        for (const std::string& rule : DefaultDeviceRules()) {
          RETURN_IF_ERROR(fs_.Write(Join(dir, "devices.allow"), rule));
        }
      }
    }
    return Status::Ok();
  }

  Status AddProcess(const std::string& path, pid_t pid) override {
    for (const V1Mount& m : mounts_) {
      std::string file = Join(Join(m.mount_point, Join(root_, path)), "cgroup.procs");
      RETURN_IF_ERROR(fs_.Write(file, std::to_string(pid)).WithContext("join cgroup"));
    }
    return Status::Ok();
  }

  // `tasks`, not `cgroup.procs`: moving only the calling thread spares the kernel the global
  // threadgroup lock, whose RCU wait costs milliseconds on a busy host.
  std::vector<std::string> SelfJoinFiles(const std::string& path) override {
    std::vector<std::string> out;
    for (const std::string& dir : Dirs(path)) out.push_back(Join(dir, "tasks"));
    return out;
  }

  Result<CgroupStats> Stats(const std::string& path) override {
    CgroupStats s;
    if (auto v = ReadU64(path, Knob::kCpuUsage)) s.cpu_usage_ns = *v;
    if (auto v = ReadU64(path, Knob::kMemoryUsage)) s.memory_usage_bytes = *v;
    s.memory_working_set_bytes = s.memory_usage_bytes;
    if (auto text = ReadKnob(path, Knob::kMemoryStat)) {
      if (auto inactive = cgroup_util::StatValue(*text, "total_inactive_file")) {
        s.memory_working_set_bytes =
            *inactive < s.memory_usage_bytes ? s.memory_usage_bytes - *inactive : 0;
      }
      s.memory_rss_bytes = cgroup_util::StatValue(*text, "total_rss").value_or(0);
      s.memory_page_faults = cgroup_util::StatValue(*text, "total_pgfault").value_or(0);
      s.memory_major_page_faults = cgroup_util::StatValue(*text, "total_pgmajfault").value_or(0);
    }
    if (auto text = ReadKnob(path, Knob::kMemoryOom)) {
      s.oom_kills = cgroup_util::StatValue(*text, "oom_kill").value_or(0);
    }
    if (auto v = ReadU64(path, Knob::kPidsCurrent)) s.pids_current = *v;
    if (auto text = ReadKnob(path, Knob::kCpuStat)) {
      s.cpu_throttled_periods = cgroup_util::StatValue(*text, "nr_throttled").value_or(0);
    }
    return s;
  }

  Result<std::vector<pid_t>> Pids(const std::string& path) override {
    ASSIGN_OR_RETURN(std::string text, fs_.Read(File(path, Knob::kProcs)));
    return cgroup_util::ParsePids(text);
  }

  Status Remove(const std::string& path) override {
    Status first;
    for (const V1Mount& m : mounts_) {
      Status s = fs_.RemoveDir(Join(m.mount_point, Join(root_, path)));
      if (!s.ok() && first.ok()) first = s;
    }
    return first;
  }

  bool Exists(const std::string& path) override {
    for (const V1Mount& m : mounts_) {
      if (fs_.Exists(Join(m.mount_point, Join(root_, path)))) return true;
    }
    return false;
  }

  std::vector<std::string> Controllers() const override {
    std::vector<std::string> out;
    for (const V1Mount& m : mounts_) out.push_back(m.controller);
    return out;
  }

  std::vector<std::string> Dirs(const std::string& path) override {
    std::vector<std::string> out;
    for (const V1Mount& m : mounts_) out.push_back(Join(m.mount_point, Join(root_, path)));
    return out;
  }

 private:
  const V1Mount* Mount(std::string_view controller) const {
    for (const V1Mount& m : mounts_) {
      if (m.controller == controller) return &m;
    }
    return nullptr;
  }

  // Absolute file of a knob, "" if its controller is not mounted.
  std::string File(const std::string& path, Knob knob) const {
    const KnobNames& k = KnobInfo(knob);
    const V1Mount* m = Mount(k.v1_controller);
    if (m == nullptr) return "";
    return Join(Join(m->mount_point, Join(root_, path)), k.v1_file);
  }

  Status Set(const std::string& path, Knob knob, const std::string& value) {
    std::string file = File(path, knob);
    if (file.empty()) {
      return Status::Unavailable(
          fmt::format("cgroup v1 controller {} is not mounted", KnobInfo(knob).v1_controller));
    }
    return fs_.Write(file, value);
  }

  std::optional<std::string> ReadKnob(const std::string& path, Knob knob) {
    std::string file = File(path, knob);
    if (file.empty()) return std::nullopt;
    Result<std::string> r = fs_.Read(file);
    if (!r.ok()) return std::nullopt;
    return *r;
  }

  std::optional<uint64_t> ReadU64(const std::string& path, Knob knob) {
    auto text = ReadKnob(path, knob);
    if (!text) return std::nullopt;
    return cgroup_util::ParseU64(*text);
  }

  // A new cpuset cgroup starts with empty cpus/mems and accepts no task until set.
  Status InitCpuset(const std::string& dir) {
    std::string parent = dir.substr(0, dir.rfind('/'));
    for (const char* file : {"cpuset.cpus", "cpuset.mems"}) {
      Result<std::string> current = fs_.Read(Join(dir, file));
      if (current.ok() && current->find_first_not_of(" \n") != std::string::npos) continue;
      ASSIGN_OR_RETURN(std::string value, fs_.Read(Join(parent, file)));
      while (!value.empty() && value.back() == '\n') value.pop_back();
      RETURN_IF_ERROR(fs_.Write(Join(dir, file), value));
    }
    return Status::Ok();
  }

  CgroupFs& fs_;
  std::vector<V1Mount> mounts_;
  std::string root_;
};

}  // namespace

const std::vector<std::string>& DefaultDeviceRules() {
  static const std::vector<std::string> kRules = {
      "c *:* m",     "b *:* m",  // mknod anything, open only what follows
      "c 1:3 rwm",   "c 1:5 rwm", "c 1:7 rwm",
      "c 1:8 rwm",   "c 1:9 rwm",               // null zero full random urandom
      "c 5:0 rwm",   "c 5:1 rwm", "c 5:2 rwm",  // tty console ptmx
      "c 136:* rwm",                            // pts
  };
  return kRules;
}

const std::vector<std::string>& V1Controllers() {
  static const std::vector<std::string> kControllers = {"cpu",    "cpuacct", "cpuset",
                                                        "memory", "pids",    "devices"};
  return kControllers;
}

std::unique_ptr<Cgroups> NewCgroupV1(CgroupFs& fs, std::vector<V1Mount> mounts, std::string root) {
  return std::make_unique<CgroupV1>(fs, std::move(mounts), std::move(root));
}

}  // namespace sampan::runtime
