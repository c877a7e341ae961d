#include "runtime/shim/spawn.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "runtime/sys/syscalls.h"

extern char** environ;  // NOLINT: POSIX

namespace sampan::runtime {

Status SpawnDaemon(const std::string& exe, const std::vector<std::string>& args, int ready_fd,
                   int stdin_fd) {
  std::vector<std::string> argv_storage;
  argv_storage.push_back("sampan");
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  const char* path = exe.empty() ? "/proc/self/exe" : exe.c_str();

  pid_t child = ::fork();
  if (child < 0) return SyscallError("spawn shim", "fork", errno);
  if (child == 0) {
    // Intermediate: new session, fork again and leave, so init adopts the daemon.
    ::setsid();
    pid_t grandchild = ::fork();
    if (grandchild != 0) ::_exit(grandchild < 0 ? 1 : 0);
    // Move the pipes above the target numbers first, then into place (dup2 clears CLOEXEC).
    int ready = ::fcntl(ready_fd, F_DUPFD_CLOEXEC, 10);
    int in = stdin_fd >= 0 ? ::fcntl(stdin_fd, F_DUPFD_CLOEXEC, 10) : -1;
    int null_fd = ::open("/dev/null", O_RDWR);
    if (ready < 0 || null_fd < 0) ::_exit(1);
    ::dup2(null_fd, 0);
    ::dup2(null_fd, 1);
    ::dup2(null_fd, 2);
    ::dup2(ready, kShimReadyFd);
    if (in >= 0) ::dup2(in, kShimStdinFd);
    ::syscall(SYS_close_range, in >= 0 ? kShimStdinFd + 1 : kShimReadyFd + 1, ~0U, 0);
    if (::chdir("/") != 0) ::_exit(1);
    ::execve(path, argv.data(), environ);
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) return SyscallError("spawn shim", "waitpid", errno);
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Status::Internal("spawn shim: the intermediate process failed");
  }
  return Status::Ok();
}

Result<ShimReport> ReadShimReport(int ready_fd, int timeout_ms) {
  std::string text;
  for (;;) {
    pollfd p{ready_fd, POLLIN, 0};
    int n = ::poll(&p, 1, timeout_ms);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) return Status::Unavailable("shim did not report within the deadline");
    char buf[4096];
    ssize_t r = ::read(ready_fd, buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    text.append(buf, static_cast<size_t>(r));
    // "ok PID\n" is complete at its newline; an error report ends with EOF.
    if (text.rfind("ok ", 0) == 0 && text.find('\n') != std::string::npos) break;
  }
  ShimReport report;
  if (text.rfind("ok ", 0) == 0) {
    report.ok = true;
    report.pid = std::atoi(text.c_str() + 3);
    return report;
  }
  if (text.rfind("error ", 0) == 0) {
    char* end = nullptr;
    report.code = static_cast<int>(std::strtol(text.c_str() + 6, &end, 10));
    report.message =
        end != nullptr && *end == ' ' ? std::string(end + 1) : std::string(end ? end : "");
    while (!report.message.empty() && report.message.back() == '\n') report.message.pop_back();
    return report;
  }
  return Status::Internal("shim exited without reporting" + (text.empty() ? "" : ": " + text));
}

}  // namespace sampan::runtime
