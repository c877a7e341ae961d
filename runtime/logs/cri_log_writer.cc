#include "runtime/logs/cri_log_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "pkg/util/fs.h"
#include "pkg/util/time_format.h"
#include "runtime/sys/syscalls.h"

namespace sampan::runtime {

std::string RotatedLogPath(const std::string& path, int i) {
  return i == 0 ? path : path + "." + std::to_string(i);
}

CriLogWriter::CriLogWriter(std::string path, int64_t max_size, int max_files, NowFn now)
    : path_(std::move(path)), max_size_(max_size), max_files_(max_files), now_(std::move(now)) {
  if (!now_) now_ = [] { return std::chrono::system_clock::now(); };
}

Status CriLogWriter::Open() {
  size_t slash = path_.rfind('/');
  if (slash != std::string::npos && slash > 0) {
    RETURN_IF_ERROR(MakeDirs(path_.substr(0, slash), 0755));
  }
  int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) return Status::FromErrno(errno, "open log " + path_);
  fd_.Reset(fd);
  struct stat st;
  size_ = ::fstat(fd, &st) == 0 ? st.st_size : 0;
  return Status::Ok();
}

void CriLogWriter::Write(LogStream stream, std::string_view data) {
  std::string& pending = pending_[static_cast<int>(stream)];
  while (!data.empty()) {
    size_t nl = data.find('\n');
    if (nl == std::string_view::npos) {
      pending.append(data);
      data = {};
    } else {
      pending.append(data.substr(0, nl));
      data.remove_prefix(nl + 1);
      // A full line: its leading 16 KiB chunks are partial entries.
      std::string_view rest = pending;
      while (rest.size() > kMaxLogLine) {
        Emit(stream, rest.substr(0, kMaxLogLine), true);
        rest.remove_prefix(kMaxLogLine);
      }
      Emit(stream, rest, false);
      pending.clear();
      continue;
    }
    while (pending.size() > kMaxLogLine) {
      Emit(stream, std::string_view(pending).substr(0, kMaxLogLine), true);
      pending.erase(0, kMaxLogLine);
    }
  }
  if (flush_partial_ && !pending.empty()) {
    Emit(stream, pending, true);
    pending.clear();
  }
}

void CriLogWriter::Close(LogStream stream) {
  std::string& pending = pending_[static_cast<int>(stream)];
  if (!pending.empty()) Emit(stream, pending, false);
  pending.clear();
}

void CriLogWriter::Emit(LogStream stream, std::string_view message, bool partial) {
  line_ = FormatRfc3339Nano(now_());
  line_ += stream == LogStream::kStdout ? " stdout " : " stderr ";
  line_ += partial ? "P " : "F ";
  line_.append(message);
  line_ += '\n';
  if (max_size_ > 0 && size_ > 0 && size_ + static_cast<int64_t>(line_.size()) > max_size_) {
    Rotate();
  }
  if (!fd_.valid()) return;
  if (WriteAll(fd_.get(), line_)) size_ += static_cast<int64_t>(line_.size());
}

void CriLogWriter::Rotate() {
  if (max_files_ <= 1) {
    // Only one file: start it again.
    if (::ftruncate(fd_.get(), 0) == 0) size_ = 0;
    return;
  }
  for (int i = max_files_ - 1; i >= 1; --i) {
    std::string from = RotatedLogPath(path_, i - 1);
    std::string to = RotatedLogPath(path_, i);
    ::rename(from.c_str(), to.c_str());  // a missing older file is fine
  }
  int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  fd_.Reset(fd);
  size_ = 0;
}

}  // namespace sampan::runtime
