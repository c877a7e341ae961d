#include "pkg/kubelet/eviction/thresholds.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

#include "pkg/api/quantity.h"

namespace sampan::kubelet::eviction {
namespace {

constexpr Signal kAllSignals[] = {Signal::kMemoryAvailable, Signal::kNodeFsAvailable,
                                  Signal::kNodeFsInodesFree, Signal::kImageFsAvailable,
                                  Signal::kImageFsInodesFree};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

}  // namespace

std::string_view SignalName(Signal signal) {
  switch (signal) {
    case Signal::kMemoryAvailable: return "memory.available";
    case Signal::kNodeFsAvailable: return "nodefs.available";
    case Signal::kNodeFsInodesFree: return "nodefs.inodesFree";
    case Signal::kImageFsAvailable: return "imagefs.available";
    case Signal::kImageFsInodesFree: return "imagefs.inodesFree";
  }
  return "";
}

Resource ResourceOf(Signal signal) {
  return signal == Signal::kMemoryAvailable ? Resource::kMemory : Resource::kDisk;
}

std::string_view ResourceName(Resource resource) {
  return resource == Resource::kMemory ? "memory" : "ephemeral-storage";
}

int64_t Threshold::Value(int64_t capacity) const {
  if (quantity) return *quantity;
  return static_cast<int64_t>(std::llround(percentage * static_cast<double>(capacity)));
}

Result<std::vector<Threshold>> ParseThresholds(std::string_view spec) {
  std::vector<Threshold> out;
  while (!spec.empty()) {
    size_t comma = spec.find(',');
    std::string_view entry = Trim(spec.substr(0, comma));
    spec = comma == std::string_view::npos ? std::string_view() : spec.substr(comma + 1);
    if (entry.empty()) continue;
    size_t lt = entry.find('<');
    if (lt == std::string_view::npos) {
      return Status::Invalid(fmt::format(
          "eviction threshold \"{}\": want SIGNAL<VALUE, e.g. memory.available<100Mi", entry));
    }
    std::string_view name = Trim(entry.substr(0, lt));
    std::string_view value = Trim(entry.substr(lt + 1));
    std::optional<Signal> signal;
    for (Signal s : kAllSignals) {
      if (SignalName(s) == name) signal = s;
    }
    if (!signal) {
      return Status::Invalid(fmt::format(
          "eviction threshold \"{}\": unknown signal \"{}\" (want memory.available, "
          "nodefs.available, nodefs.inodesFree, imagefs.available or imagefs.inodesFree)",
          entry, name));
    }
    for (const Threshold& t : out) {
      if (t.signal == *signal) {
        return Status::Invalid(fmt::format("eviction threshold for {} given twice", name));
      }
    }
    Threshold t{*signal, std::nullopt, 0, std::string(value)};
    if (value.ends_with('%')) {
      double percent = -1;
      std::string_view number = value.substr(0, value.size() - 1);
      auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), percent);
      if (number.empty() || ec != std::errc() || end != number.data() + number.size() ||
          percent < 0 || percent > 100) {
        return Status::Invalid(
            fmt::format("eviction threshold \"{}\": percentage must be within 0%-100%", entry));
      }
      t.percentage = percent / 100;
    } else {
      Result<api::Quantity> q = api::Quantity::Parse(value);
      if (!q.ok() || q->Sign() < 0) {
        return Status::Invalid(fmt::format(
            "eviction threshold \"{}\": want a non-negative quantity (100Mi) or a percentage",
            entry));
      }
      t.quantity = q->Value();
    }
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<Threshold> DefaultThresholds() {
  Result<std::vector<Threshold>> defaults = ParseThresholds(
      "memory.available<100Mi,nodefs.available<10%,nodefs.inodesFree<5%,imagefs.available<15%");
  return defaults.ok() ? *defaults : std::vector<Threshold>{};
}

Observations Observe(const stats::Summary& summary) {
  Observations out;
  const stats::NodeStats& node = summary.node;
  if (node.memory.available_bytes) {
    // available = capacity - working set (stats_collector / runtime::NodeUsage).
    int64_t available = static_cast<int64_t>(*node.memory.available_bytes);
    out[Signal::kMemoryAvailable] = {
        available, available + static_cast<int64_t>(node.memory.working_set_bytes)};
  }
  if (node.fs.capacity_bytes > 0) {
    out[Signal::kNodeFsAvailable] = {static_cast<int64_t>(node.fs.available_bytes),
                                     static_cast<int64_t>(node.fs.capacity_bytes)};
    out[Signal::kNodeFsInodesFree] = {static_cast<int64_t>(node.fs.inodes_free),
                                      static_cast<int64_t>(node.fs.inodes)};
  }
  if (node.image_fs.capacity_bytes > 0) {
    out[Signal::kImageFsAvailable] = {static_cast<int64_t>(node.image_fs.available_bytes),
                                      static_cast<int64_t>(node.image_fs.capacity_bytes)};
    out[Signal::kImageFsInodesFree] = {static_cast<int64_t>(node.image_fs.inodes_free),
                                       static_cast<int64_t>(node.image_fs.inodes)};
  }
  return out;
}

std::vector<Threshold> Crossed(const std::vector<Threshold>& thresholds,
                               const Observations& observations) {
  std::vector<Threshold> out;
  for (const Threshold& t : thresholds) {
    auto it = observations.find(t.signal);
    if (it == observations.end()) continue;
    if (it->second.available < t.Value(it->second.capacity)) out.push_back(t);
  }
  return out;
}

}  // namespace sampan::kubelet::eviction
