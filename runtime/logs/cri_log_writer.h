#pragma once
// CriLogWriter: writes a container's output in the CRI log format kubelet reads:
//   <RFC3339Nano> <stdout|stderr> <F|P> <message>\n
// One entry per line of output; a line longer than 16 KiB is split into P (partial) entries
// ending with an F entry. The file rotates when it would pass `max_size`: path -> path.1 ->
// ... -> path.(max_files-1), the oldest dropped. Single-threaded (the shim's loop).

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "pkg/util/status.h"
#include "pkg/util/unique_fd.h"

namespace sampan::runtime {

enum class LogStream { kStdout, kStderr };

inline constexpr size_t kMaxLogLine = 16 * 1024;

class CriLogWriter {
 public:
  using NowFn = std::function<std::chrono::system_clock::time_point()>;
  CriLogWriter(std::string path, int64_t max_size, int max_files, NowFn now = nullptr);

  // Opens (appends to) the file, creating its directory.
  Status Open();
  // Output bytes of one stream; complete lines are written, the rest is kept.
  void Write(LogStream stream, std::string_view data);
  // The stream ended: a pending unterminated line is written as a full entry.
  void Close(LogStream stream);
  // Terminal output: what each Write leaves unterminated is written at once as a partial
  // entry (a shell prompt shows up without waiting for a newline).
  void set_flush_partial(bool on) { flush_partial_ = on; }

  const std::string& path() const { return path_; }

 private:
  void Emit(LogStream stream, std::string_view message, bool partial);
  void Rotate();

  std::string path_;
  int64_t max_size_;
  int max_files_;
  NowFn now_;
  UniqueFd fd_;
  int64_t size_ = 0;
  std::string pending_[2];
  std::string line_;  // scratch
  bool flush_partial_ = false;
};

// Rotated file i of `path` (0 = the current file).
std::string RotatedLogPath(const std::string& path, int i);

}  // namespace sampan::runtime
