#include "runtime/node_usage.h"

#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <vector>

#include "pkg/util/fs.h"

namespace sampan::runtime {
namespace {

// Unsigned numbers of a whitespace-separated line, after its first word.
std::vector<uint64_t> NumbersAfterFirstWord(std::string_view line) {
  std::vector<uint64_t> out;
  size_t pos = line.find_first_of(" \t");
  while (pos != std::string_view::npos && pos < line.size()) {
    pos = line.find_first_not_of(" \t", pos);
    if (pos == std::string_view::npos) break;
    uint64_t value = 0;
    auto [end, ec] = std::from_chars(line.data() + pos, line.data() + line.size(), value);
    if (ec != std::errc()) break;
    out.push_back(value);
    pos = static_cast<size_t>(end - line.data());
  }
  return out;
}

// The line starting with `key` (followed by a space, tab or colon).
std::optional<std::string_view> LineOf(std::string_view text, std::string_view key) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    if (line.size() > key.size() && line.starts_with(key) &&
        (line[key.size()] == ' ' || line[key.size()] == '\t' || line[key.size()] == ':')) {
      return line;
    }
    pos = end + 1;
  }
  return std::nullopt;
}

std::optional<uint64_t> FirstNumber(std::string_view text, std::string_view key) {
  std::optional<std::string_view> line = LineOf(text, key);
  if (!line) return std::nullopt;
  std::vector<uint64_t> numbers = NumbersAfterFirstWord(*line);
  if (numbers.empty()) return std::nullopt;
  return numbers[0];
}

}  // namespace

std::optional<uint64_t> ParseProcStatCpuNs(std::string_view proc_stat, long ticks_per_second) {
  std::optional<std::string_view> line = LineOf(proc_stat, "cpu");
  if (!line || ticks_per_second <= 0) return std::nullopt;
  // user nice system idle iowait irq softirq steal [guest guest_nice]: guest time is already
  // counted in user/nice.
  std::vector<uint64_t> f = NumbersAfterFirstWord(*line);
  if (f.size() < 4) return std::nullopt;
  uint64_t busy = f[0] + f[1] + f[2];
  for (size_t i = 5; i < f.size() && i < 8; ++i) busy += f[i];
  return busy * (1000000000ull / static_cast<uint64_t>(ticks_per_second));
}

bool ParseMeminfo(std::string_view meminfo, NodeUsage* usage) {
  std::optional<uint64_t> total = FirstNumber(meminfo, "MemTotal");
  if (!total) return false;
  constexpr uint64_t kKi = 1024;
  usage->memory_total_bytes = *total * kKi;
  uint64_t free = FirstNumber(meminfo, "MemFree").value_or(0) * kKi;
  uint64_t inactive_file = FirstNumber(meminfo, "Inactive(file)").value_or(0) * kKi;
  usage->memory_usage_bytes =
      free < usage->memory_total_bytes ? usage->memory_total_bytes - free : 0;
  usage->memory_working_set_bytes =
      inactive_file < usage->memory_usage_bytes ? usage->memory_usage_bytes - inactive_file : 0;
  usage->memory_available_bytes = usage->memory_total_bytes - usage->memory_working_set_bytes;
  usage->memory_rss_bytes = FirstNumber(meminfo, "AnonPages").value_or(0) * kKi;
  return true;
}

void ParseVmstat(std::string_view vmstat, NodeUsage* usage) {
  usage->page_faults = FirstNumber(vmstat, "pgfault").value_or(0);
  usage->major_page_faults = FirstNumber(vmstat, "pgmajfault").value_or(0);
}

Result<NodeUsage> ReadNodeUsage() {
  NodeUsage usage;
  ASSIGN_OR_RETURN(std::string stat, ReadFileToString("/proc/stat"));
  std::optional<uint64_t> cpu = ParseProcStatCpuNs(stat, sysconf(_SC_CLK_TCK));
  if (!cpu) return Status::Internal("/proc/stat has no cpu line");
  usage.cpu_usage_ns = *cpu;
  ASSIGN_OR_RETURN(std::string meminfo, ReadFileToString("/proc/meminfo"));
  if (!ParseMeminfo(meminfo, &usage)) return Status::Internal("/proc/meminfo has no MemTotal");
  if (Result<std::string> vmstat = ReadFileToString("/proc/vmstat"); vmstat.ok()) {
    ParseVmstat(*vmstat, &usage);
  }
  return usage;
}

Result<FsUsage> ReadFsUsage(const std::string& path) {
  struct statvfs st {};
  if (statvfs(path.c_str(), &st) != 0) {
    return Status::FromErrno(errno, "statvfs " + path);
  }
  FsUsage fs;
  fs.capacity_bytes = static_cast<uint64_t>(st.f_blocks) * st.f_frsize;
  fs.available_bytes = static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
  fs.used_bytes = static_cast<uint64_t>(st.f_blocks - st.f_bfree) * st.f_frsize;
  fs.inodes = st.f_files;
  fs.inodes_free = st.f_ffree;
  fs.inodes_used = st.f_files - st.f_ffree;
  return fs;
}

}  // namespace sampan::runtime
