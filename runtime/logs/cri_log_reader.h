#pragma once
// Reads CRI-format container logs (cri_log_writer.h), rotated files included, the way
// `kubectl logs` wants them: the last N lines, lines since a time, with or without
// timestamps, and following new output (across rotations) until told to stop.
// Partial (P) entries are joined with the F entry that ends them.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "pkg/util/status.h"
#include "runtime/logs/cri_log_writer.h"

namespace sampan::runtime {

struct LogReadOptions {
  int64_t tail = -1;  // last N lines; -1 = all
  std::optional<std::chrono::system_clock::time_point> since;
  bool timestamps = false;  // prefix each line with its RFC3339Nano time and a space
  bool follow = false;
  // Pass partial (P) entries on as they come, without a newline, instead of joining them
  // (live terminal output). Ignores `since` and `timestamps`.
  bool stream_partials = false;
  // With follow: called whenever the reader waits (and when `wake_fd` is readable); reading
  // stops, after draining what is written, once it returns true.
  std::function<bool()> done;
  int wake_fd = -1;
};

// One log line; `line` ends with '\n'. Return false to stop reading.
using LogSink = std::function<bool(LogStream stream, std::string_view line)>;

Status ReadCriLogs(const std::string& path, const LogReadOptions& options, const LogSink& sink);

// Parses one CRI log line (without its '\n').
struct CriLogEntry {
  std::string_view timestamp;
  LogStream stream = LogStream::kStdout;
  bool partial = false;
  std::string_view message;
};
std::optional<CriLogEntry> ParseCriLogLine(std::string_view line);

}  // namespace sampan::runtime
