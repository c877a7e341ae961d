#pragma once
// Small helpers for benchmarks: latency samples, process RSS and disk-write counters, and
// the one summary line every benchmark ends with ("bench NAME: key=value ...").

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace sampan::bench {

using BenchClock = std::chrono::steady_clock;

inline double Ms(BenchClock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

// Percentile (0..100) of a sample set, in the samples' unit. Sorts in place.
inline double Percentile(std::vector<double>& samples, double p) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  size_t i = static_cast<size_t>(p / 100.0 * (samples.size() - 1) + 0.5);
  return samples[std::min(i, samples.size() - 1)];
}

// A field of /proc/self/status in kB (e.g. "VmHWM" = peak RSS, "VmRSS" = current).
inline long ProcStatusKb(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  }
  return -1;
}

// Bytes this process caused to be written to storage (/proc/self/io write_bytes).
inline long long WrittenBytes() {
  std::ifstream in("/proc/self/io");
  std::string key;
  long long value;
  while (in >> key >> value) {
    if (key == "write_bytes:") return value;
  }
  return -1;
}

class Summary {
 public:
  explicit Summary(std::string name) : line_("bench " + std::move(name) + ":") {}
  Summary& Add(const std::string& key, double value, int decimals = 2) {
    char buf[64];
    std::snprintf(buf, sizeof buf, " %s=%.*f", key.c_str(), decimals, value);
    line_ += buf;
    return *this;
  }
  Summary& Add(const std::string& key, long long value) {
    line_ += " " + key + "=" + std::to_string(value);
    return *this;
  }
  void Print() const { std::printf("%s\n", line_.c_str()); }

 private:
  std::string line_;
};

}  // namespace sampan::bench
