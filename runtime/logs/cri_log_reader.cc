#include "runtime/logs/cri_log_reader.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <deque>

#include "pkg/util/time_format.h"
#include "runtime/sys/syscalls.h"

namespace sampan::runtime {

std::optional<CriLogEntry> ParseCriLogLine(std::string_view line) {
  CriLogEntry e;
  size_t a = line.find(' ');
  if (a == std::string_view::npos) return std::nullopt;
  e.timestamp = line.substr(0, a);
  size_t b = line.find(' ', a + 1);
  if (b == std::string_view::npos) return std::nullopt;
  std::string_view stream = line.substr(a + 1, b - a - 1);
  if (stream == "stdout") {
    e.stream = LogStream::kStdout;
  } else if (stream == "stderr") {
    e.stream = LogStream::kStderr;
  } else {
    return std::nullopt;
  }
  if (b + 2 > line.size()) return std::nullopt;
  char tag = line[b + 1];
  if (tag != 'F' && tag != 'P') return std::nullopt;
  e.partial = tag == 'P';
  e.message = b + 3 <= line.size() ? line.substr(b + 3) : std::string_view();
  return e;
}

namespace {

// Turns raw file bytes into whole log lines (P entries joined) for the sink. Whole F lines
// without timestamps or a time filter go out as views into the bytes read: no copies.
class Assembler {
 public:
  Assembler(const LogReadOptions& options, std::function<bool(LogStream, std::string_view)> out)
      : options_(options), out_(std::move(out)) {}

  // Feeds bytes; returns false if the consumer wants to stop.
  bool Feed(std::string_view data) {
    if (!raw_.empty()) {  // finish the line the last read ended in
      size_t nl = data.find('\n');
      if (nl == std::string_view::npos) {
        raw_.append(data);
        return true;
      }
      raw_.append(data.substr(0, nl + 1));
      data.remove_prefix(nl + 1);
      std::string line = std::move(raw_);
      raw_.clear();
      if (!Line(line)) return false;
    }
    for (;;) {
      size_t nl = data.find('\n');
      if (nl == std::string_view::npos) break;
      if (!Line(data.substr(0, nl + 1))) return false;
      data.remove_prefix(nl + 1);
    }
    raw_.assign(data);
    return true;
  }

 private:
  // `line` ends with its '\n'.
  bool Line(std::string_view line) {
    std::optional<CriLogEntry> e = ParseCriLogLine(line.substr(0, line.size() - 1));
    if (!e) return true;  // not ours: skip
    // The message runs to the end of the line, so message + '\n' is one view.
    std::string_view with_newline =
        e->message.empty() ? std::string_view("\n")
                           : std::string_view(e->message.data(), e->message.size() + 1);
    if (options_.stream_partials) return out_(e->stream, e->partial ? e->message : with_newline);
    std::string& pending = pending_[static_cast<int>(e->stream)];
    if (pending.empty() && !e->partial && !options_.since && !options_.timestamps) {
      return out_(e->stream, with_newline);
    }
    if (pending.empty()) first_ts_[static_cast<int>(e->stream)] = std::string(e->timestamp);
    pending.append(e->message);
    if (e->partial) return true;
    std::string ts = first_ts_[static_cast<int>(e->stream)];
    std::string text = std::move(pending);
    pending.clear();
    if (options_.since) {
      auto t = ParseRfc3339(ts);
      if (t && *t < *options_.since) return true;
    }
    std::string full;
    if (options_.timestamps) full = ts + " ";
    full += text;
    full += '\n';
    return out_(e->stream, full);
  }

  const LogReadOptions& options_;
  std::function<bool(LogStream, std::string_view)> out_;
  std::string raw_;  // a line not yet complete
  std::string pending_[2];
  std::string first_ts_[2];
};

// Appends what fd holds from its current offset.
bool Drain(int fd, Assembler& assembler) {
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return true;
    if (!assembler.Feed(std::string_view(buf, static_cast<size_t>(n)))) return false;
  }
}

}  // namespace

Status ReadCriLogs(const std::string& path, const LogReadOptions& options, const LogSink& sink) {
  // Phase 1: existing files, oldest first; with tail, keep only the last N lines.
  std::deque<std::pair<LogStream, std::string>> tail;
  bool stopped = false;
  bool live = false;  // following: every line goes straight to the sink
  // One assembler for history and follow: a line half-read (or P entries without their F
  // yet) at the switch carries over.
  auto collect = [&](LogStream s, std::string_view line) {
    if (live) return sink(s, line);
    if (options.tail < 0) {
      if (!sink(s, line)) {
        stopped = true;
        return false;
      }
      return true;
    }
    if (options.tail == 0) return true;
    tail.emplace_back(s, std::string(line));
    if (static_cast<int64_t>(tail.size()) > options.tail) tail.pop_front();
    return true;
  };
  Assembler assembler(options, collect);
  int oldest = 0;
  for (int i = 1; i < 100; ++i) {
    if (::access(RotatedLogPath(path, i).c_str(), F_OK) != 0) break;
    oldest = i;
  }
  UniqueFd current;
  for (int i = oldest; i >= 0 && !stopped; --i) {
    int fd = ::open(RotatedLogPath(path, i).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      if (i == 0 && errno == ENOENT && options.follow) continue;
      if (errno == ENOENT) continue;
      return Status::FromErrno(errno, "open log " + RotatedLogPath(path, i));
    }
    UniqueFd file(fd);
    if (!Drain(fd, assembler)) stopped = true;
    if (i == 0) current = std::move(file);
  }
  for (auto& [s, line] : tail) {
    if (!sink(s, line)) return Status::Ok();
  }
  if (stopped || !options.follow) return Status::Ok();

  // Phase 2: follow. inotify on the directory sees writes, the file's rotation and creation.
  // With a wake fd the caller learns about the end itself, and the file is re-read every
  // few milliseconds instead: closing an inotify instance waits for an SRCU grace period
  // (~10 ms), which a short `ctr run` would feel.
  live = true;
  UniqueFd inotify;
  int in = -1;
  int timeout_ms = 250;
  if (options.wake_fd >= 0) {
    timeout_ms = 10;
  } else {
    in = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    if (in < 0) return Status::FromErrno(errno, "inotify_init1");
    inotify.Reset(in);
    std::string dir = path.substr(0, path.rfind('/'));
    if (dir.empty()) dir = "/";
    if (::inotify_add_watch(in, dir.c_str(), IN_MODIFY | IN_CREATE | IN_MOVED_FROM | IN_MOVED_TO) <
        0) {
      return Status::FromErrno(errno, "inotify_add_watch " + dir);
    }
  }
  auto reopen = [&]() {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) current.Reset(fd);
  };
  if (!current.valid()) reopen();
  for (;;) {
    if (current.valid() && !Drain(current.get(), assembler)) return Status::Ok();
    // Rotated away? The path now names another file: finish the old one, open the new one.
    struct stat by_path, by_fd;
    if (::stat(path.c_str(), &by_path) == 0 &&
        (!current.valid() ||
         (::fstat(current.get(), &by_fd) == 0 &&
          (by_fd.st_ino != by_path.st_ino || by_fd.st_dev != by_path.st_dev)))) {
      if (current.valid() && !Drain(current.get(), assembler)) return Status::Ok();
      reopen();
      continue;
    }
    if (options.done && options.done()) {
      if (current.valid()) Drain(current.get(), assembler);
      return Status::Ok();
    }
    pollfd fds[2] = {{in, POLLIN, 0}, {options.wake_fd, POLLIN, 0}};
    int n = ::poll(fds, 2, timeout_ms);
    if (n > 0 && in >= 0 && (fds[0].revents & POLLIN)) {
      char buf[4096];
      while (::read(in, buf, sizeof buf) > 0) {
      }
    }
  }
}

}  // namespace sampan::runtime
