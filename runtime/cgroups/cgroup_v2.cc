// cgroup v2: the unified hierarchy.

#include <fmt/core.h>

#include <memory>
#include <string>

#include "runtime/cgroups/cgroup_util.h"
#include "runtime/cgroups/cgroups.h"
#include "runtime/cgroups/knobs.h"
#include "runtime/cgroups/kube_layout.h"

namespace sampan::runtime {
namespace {

using cgroup_util::Join;

// Controllers the runtime enables down its subtree.
constexpr std::string_view kV2Controllers[] = {"cpu", "memory", "pids"};

class CgroupV2 final : public Cgroups {
 public:
  CgroupV2(CgroupFs& fs, std::string mount_point, std::string root)
      : fs_(fs), mount_(std::move(mount_point)), root_(std::move(root)) {}

  CgroupVersion version() const override { return CgroupVersion::kV2; }

  Status Create(const std::string& path) override {
    std::string parent = mount_;
    for (const std::string& prefix : cgroup_util::Prefixes(Join(root_, path))) {
      RETURN_IF_ERROR(EnableControllers(parent));
      std::string dir = Join(mount_, prefix);
      RETURN_IF_ERROR(fs_.MakeDir(dir).WithContext("cgroup v2"));
      parent = dir;
    }
    return Status::Ok();
  }

  Status Apply(const std::string& path, const CgroupResources& r) override {
    if (r.cpu_shares > 0) {
      RETURN_IF_ERROR(Set(path, Knob::kCpuShares, std::to_string(SharesToWeight(r.cpu_shares))));
    }
    if (r.cpu_quota_us > 0) {
      RETURN_IF_ERROR(
          Set(path, Knob::kCpuQuota, fmt::format("{} {}", r.cpu_quota_us, r.cpu_period_us)));
    }
    if (r.memory_limit > 0) {
      RETURN_IF_ERROR(Set(path, Knob::kMemoryLimit, std::to_string(r.memory_limit)));
      std::string swap = File(path, Knob::kMemorySwap);
      if (fs_.Exists(swap)) RETURN_IF_ERROR(fs_.Write(swap, "0"));
    }
    if (r.pids_limit > 0) {
      RETURN_IF_ERROR(Set(path, Knob::kPidsLimit, std::to_string(r.pids_limit)));
    }
    if (r.restrict_devices) {
      RETURN_IF_ERROR(fs_.RestrictDevices(Join(mount_, Join(root_, path)), DefaultDeviceRules()));
    }
    return Status::Ok();
  }

  Status AddProcess(const std::string& path, pid_t pid) override {
    return fs_.Write(File(path, Knob::kProcs), std::to_string(pid)).WithContext("join cgroup");
  }

  std::vector<std::string> SelfJoinFiles(const std::string& path) override {
    return {File(path, Knob::kProcs)};
  }

  Result<CgroupStats> Stats(const std::string& path) override {
    CgroupStats s;
    if (auto text = ReadKnob(path, Knob::kCpuStat)) {
      s.cpu_usage_ns = cgroup_util::StatValue(*text, "usage_usec").value_or(0) * 1000;
      s.cpu_throttled_periods = cgroup_util::StatValue(*text, "nr_throttled").value_or(0);
    }
    if (auto text = ReadKnob(path, Knob::kMemoryUsage)) {
      s.memory_usage_bytes = cgroup_util::ParseU64(*text).value_or(0);
    }
    s.memory_working_set_bytes = s.memory_usage_bytes;
    if (auto text = ReadKnob(path, Knob::kMemoryStat)) {
      if (auto inactive = cgroup_util::StatValue(*text, "inactive_file")) {
        s.memory_working_set_bytes =
            *inactive < s.memory_usage_bytes ? s.memory_usage_bytes - *inactive : 0;
      }
      s.memory_rss_bytes = cgroup_util::StatValue(*text, "anon").value_or(0);
      s.memory_page_faults = cgroup_util::StatValue(*text, "pgfault").value_or(0);
      s.memory_major_page_faults = cgroup_util::StatValue(*text, "pgmajfault").value_or(0);
    }
    if (auto text = ReadKnob(path, Knob::kMemoryOom)) {
      s.oom_kills = cgroup_util::StatValue(*text, "oom_kill").value_or(0);
    }
    if (auto text = ReadKnob(path, Knob::kPidsCurrent)) {
      s.pids_current = cgroup_util::ParseU64(*text).value_or(0);
    }
    return s;
  }

  Result<std::vector<pid_t>> Pids(const std::string& path) override {
    ASSIGN_OR_RETURN(std::string text, fs_.Read(File(path, Knob::kProcs)));
    return cgroup_util::ParsePids(text);
  }

  Status Remove(const std::string& path) override {
    return fs_.RemoveDir(Join(mount_, Join(root_, path)));
  }

  bool Exists(const std::string& path) override {
    return fs_.Exists(Join(mount_, Join(root_, path)));
  }

  std::vector<std::string> Controllers() const override { return {}; }

  std::vector<std::string> Dirs(const std::string& path) override {
    return {Join(mount_, Join(root_, path))};
  }

 private:
  std::string File(const std::string& path, Knob knob) const {
    return Join(Join(mount_, Join(root_, path)), KnobInfo(knob).v2_file);
  }

  Status Set(const std::string& path, Knob knob, const std::string& value) {
    return fs_.Write(File(path, knob), value);
  }

  std::optional<std::string> ReadKnob(const std::string& path, Knob knob) {
    Result<std::string> r = fs_.Read(File(path, knob));
    if (!r.ok()) return std::nullopt;
    return *r;
  }

  // Enables the runtime's controllers for the children of `dir` (those it has).
  Status EnableControllers(const std::string& dir) {
    ASSIGN_OR_RETURN(std::string available, fs_.Read(Join(dir, "cgroup.controllers")));
    Result<std::string> enabled = fs_.Read(Join(dir, "cgroup.subtree_control"));
    for (std::string_view c : kV2Controllers) {
      auto has = [c](const std::string& list) {
        size_t pos = 0;
        while ((pos = list.find(c, pos)) != std::string::npos) {
          bool start = pos == 0 || list[pos - 1] == ' ';
          size_t end = pos + c.size();
          bool stop = end == list.size() || list[end] == ' ' || list[end] == '\n';
          if (start && stop) return true;
          pos = end;
        }
        return false;
      };
      if (!has(available)) continue;
      if (enabled.ok() && has(*enabled)) continue;
      RETURN_IF_ERROR(fs_.Write(Join(dir, "cgroup.subtree_control"), "+" + std::string(c))
                          .WithContext("cgroup v2 enable controller"));
    }
    return Status::Ok();
  }

  CgroupFs& fs_;
  std::string mount_;
  std::string root_;
};

}  // namespace

std::unique_ptr<Cgroups> NewCgroupV2(CgroupFs& fs, std::string mount_point, std::string root) {
  return std::make_unique<CgroupV2>(fs, std::move(mount_point), std::move(root));
}

}  // namespace sampan::runtime
