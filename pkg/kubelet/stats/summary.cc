#include "pkg/kubelet/stats/summary.h"

#include <fmt/format.h>

#include "pkg/util/prometheus_text.h"
#include "pkg/util/time_format.h"

namespace sampan::kubelet::stats {
namespace {

using api::Json;
using prometheus::AppendHeader;
using prometheus::EscapeLabelValue;

Json CpuJson(const CpuStats& cpu) {
  Json out = {{"time", FormatRfc3339(cpu.time)},
              {"usageCoreNanoSeconds", cpu.usage_core_nano_seconds}};
  if (cpu.usage_nano_cores) out["usageNanoCores"] = *cpu.usage_nano_cores;
  return out;
}

Json MemoryJson(const MemoryStats& m) {
  Json out = {{"time", FormatRfc3339(m.time)},
              {"usageBytes", m.usage_bytes},
              {"workingSetBytes", m.working_set_bytes},
              {"rssBytes", m.rss_bytes},
              {"pageFaults", m.page_faults},
              {"majorPageFaults", m.major_page_faults}};
  if (m.available_bytes) out["availableBytes"] = *m.available_bytes;
  return out;
}

Json FsJson(const FsStats& fs) {
  return {{"time", FormatRfc3339(fs.time)},     {"availableBytes", fs.available_bytes},
          {"capacityBytes", fs.capacity_bytes}, {"usedBytes", fs.used_bytes},
          {"inodesFree", fs.inodes_free},       {"inodes", fs.inodes},
          {"inodesUsed", fs.inodes_used}};
}

int64_t Millis(WallTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::string Seconds(uint64_t nanoseconds) {
  return fmt::format("{}", static_cast<double>(nanoseconds) / 1e9);
}

}  // namespace

Json SummaryJson(const Summary& summary) {
  const NodeStats& n = summary.node;
  Json node = {{"nodeName", n.node_name},
               {"systemContainers", Json::array()},
               {"startTime", FormatRfc3339(n.start_time)},
               {"cpu", CpuJson(n.cpu)},
               {"memory", MemoryJson(n.memory)},
               {"fs", FsJson(n.fs)},
               {"runtime", {{"imageFs", FsJson(n.image_fs)}}}};
  Json pods = Json::array();
  for (const PodStats& p : summary.pods) {
    Json containers = Json::array();
    for (const ContainerStats& c : p.containers) {
      containers.push_back({{"name", c.name},
                            {"startTime", FormatRfc3339(c.start_time)},
                            {"cpu", CpuJson(c.cpu)},
                            {"memory", MemoryJson(c.memory)}});
    }
    pods.push_back({{"podRef", {{"name", p.name}, {"namespace", p.namespace_}, {"uid", p.uid}}},
                    {"startTime", FormatRfc3339(p.start_time)},
                    {"containers", std::move(containers)},
                    {"cpu", CpuJson(p.cpu)},
                    {"memory", MemoryJson(p.memory)}});
  }
  return {{"node", std::move(node)}, {"pods", std::move(pods)}};
}

std::string ResourceMetricsText(const Summary& summary) {
  std::string out;
  auto labels = [](const PodStats& p, const ContainerStats* c) {
    std::string l = c != nullptr ? fmt::format("container=\"{}\",", EscapeLabelValue(c->name)) : "";
    return l + fmt::format("namespace=\"{}\",pod=\"{}\"", EscapeLabelValue(p.namespace_),
                           EscapeLabelValue(p.name));
  };
  AppendHeader(out, "container_cpu_usage_seconds_total",
               "Cumulative cpu time consumed by the container in core-seconds", "counter");
  for (const PodStats& p : summary.pods) {
    for (const ContainerStats& c : p.containers) {
      out += fmt::format("container_cpu_usage_seconds_total{{{}}} {} {}\n", labels(p, &c),
                         Seconds(c.cpu.usage_core_nano_seconds), Millis(c.cpu.time));
    }
  }
  AppendHeader(out, "container_memory_working_set_bytes",
               "Current working set of the container in bytes", "gauge");
  for (const PodStats& p : summary.pods) {
    for (const ContainerStats& c : p.containers) {
      out += fmt::format("container_memory_working_set_bytes{{{}}} {} {}\n", labels(p, &c),
                         c.memory.working_set_bytes, Millis(c.memory.time));
    }
  }
  AppendHeader(out, "container_start_time_seconds",
               "Start time of the container since unix epoch in seconds", "gauge");
  for (const PodStats& p : summary.pods) {
    for (const ContainerStats& c : p.containers) {
      out += fmt::format(
          "container_start_time_seconds{{{}}} {} {}\n", labels(p, &c),
          std::chrono::duration_cast<std::chrono::seconds>(c.start_time.time_since_epoch()).count(),
          Millis(c.start_time));
    }
  }
  const NodeStats& n = summary.node;
  AppendHeader(out, "node_cpu_usage_seconds_total",
               "Cumulative cpu time consumed by the node in core-seconds", "counter");
  out += fmt::format("node_cpu_usage_seconds_total {} {}\n", Seconds(n.cpu.usage_core_nano_seconds),
                     Millis(n.cpu.time));
  AppendHeader(out, "node_memory_working_set_bytes", "Current working set of the node in bytes",
               "gauge");
  out += fmt::format("node_memory_working_set_bytes {} {}\n", n.memory.working_set_bytes,
                     Millis(n.memory.time));
  AppendHeader(out, "pod_cpu_usage_seconds_total",
               "Cumulative cpu time consumed by the pod in core-seconds", "counter");
  for (const PodStats& p : summary.pods) {
    out += fmt::format("pod_cpu_usage_seconds_total{{{}}} {} {}\n", labels(p, nullptr),
                       Seconds(p.cpu.usage_core_nano_seconds), Millis(p.cpu.time));
  }
  AppendHeader(out, "pod_memory_working_set_bytes", "Current working set of the pod in bytes",
               "gauge");
  for (const PodStats& p : summary.pods) {
    out += fmt::format("pod_memory_working_set_bytes{{{}}} {} {}\n", labels(p, nullptr),
                       p.memory.working_set_bytes, Millis(p.memory.time));
  }
  AppendHeader(out, "resource_scrape_error",
               "1 if there was an error while getting container metrics, 0 otherwise", "gauge");
  out += fmt::format("resource_scrape_error {}\n", summary.scrape_error ? 1 : 0);
  return out;
}

}  // namespace sampan::kubelet::stats
