#include "pkg/util/prometheus_text.h"

#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

namespace sampan::prometheus {

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (c == '\\' || c == '"') out += '\\';
    out += c;
  }
  return out;
}

void AppendHeader(std::string& out, std::string_view name, std::string_view help,
                  std::string_view type, std::string_view stability) {
  if (stability.empty()) {
    out += fmt::format("# HELP {} {}\n", name, help);
  } else {
    out += fmt::format("# HELP {} [{}] {}\n", name, stability, help);
  }
  out += fmt::format("# TYPE {} {}\n", name, type);
}

void AppendSample(std::string& out, std::string_view name, const Labels& labels, double value) {
  out += name;
  if (!labels.empty()) {
    out += '{';
    for (size_t i = 0; i < labels.size(); ++i) {
      if (i != 0) out += ',';
      out += labels[i].first;
      out += "=\"";
      out += EscapeLabelValue(labels[i].second);
      out += '"';
    }
    out += '}';
  }
  // Integers print without a fraction, as Go's client prints them.
  out += fmt::format(" {}\n", value);
}

namespace {

struct ProcStat {
  double cpu_seconds = 0;
  double start_seconds_after_boot = 0;
  double virtual_bytes = 0;
  double resident_bytes = 0;
};

// /proc/self/stat: fields after the command name (which may hold spaces), from `state` on.
bool ReadProcStat(ProcStat* s) {
  std::ifstream in("/proc/self/stat");
  std::string line;
  if (!std::getline(in, line)) return false;
  size_t close = line.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream fields(line.substr(close + 2));
  std::vector<std::string> f;
  for (std::string x; fields >> x;) f.push_back(x);
  // Field numbers of proc(5) minus 3: utime 14, stime 15, starttime 22, vsize 23, rss 24.
  if (f.size() < 22) return false;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  s->cpu_seconds =
      (std::strtod(f[11].c_str(), nullptr) + std::strtod(f[12].c_str(), nullptr)) / ticks;
  s->start_seconds_after_boot = std::strtod(f[19].c_str(), nullptr) / ticks;
  s->virtual_bytes = std::strtod(f[20].c_str(), nullptr);
  s->resident_bytes =
      std::strtod(f[21].c_str(), nullptr) * static_cast<double>(sysconf(_SC_PAGESIZE));
  return true;
}

double BootTimeSeconds() {
  std::ifstream in("/proc/stat");
  for (std::string key; in >> key;) {
    if (key == "btime") {
      double t = 0;
      in >> t;
      return t;
    }
    in.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
  }
  return 0;
}

}  // namespace

void AppendProcessMetrics(std::string& out) {
  ProcStat s;
  if (!ReadProcStat(&s)) return;
  AppendHeader(out, "process_cpu_seconds_total", "User and system CPU time used, in seconds.",
               "counter", "");
  AppendSample(out, "process_cpu_seconds_total", {}, s.cpu_seconds);
  std::error_code ec;
  size_t fds = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++fds;
  }
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  AppendHeader(out, "process_max_fds", "Most open file descriptors allowed.", "gauge", "");
  AppendSample(out, "process_max_fds", {}, static_cast<double>(limit.rlim_cur));
  AppendHeader(out, "process_open_fds", "Open file descriptors.", "gauge", "");
  AppendSample(out, "process_open_fds", {}, static_cast<double>(fds));
  AppendHeader(out, "process_resident_memory_bytes", "Resident memory, in bytes.", "gauge", "");
  AppendSample(out, "process_resident_memory_bytes", {}, s.resident_bytes);
  AppendHeader(out, "process_start_time_seconds", "Start time since the Unix epoch, in seconds.",
               "gauge", "");
  AppendSample(out, "process_start_time_seconds", {},
               BootTimeSeconds() + s.start_seconds_after_boot);
  AppendHeader(out, "process_virtual_memory_bytes", "Virtual memory, in bytes.", "gauge", "");
  AppendSample(out, "process_virtual_memory_bytes", {}, s.virtual_bytes);
}

}  // namespace sampan::prometheus
