#include "pkg/util/signals.h"

#include <pthread.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>

namespace sampan {

Result<ShutdownSignals> ShutdownSignals::Block() {
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGINT);
  sigaddset(&mask, SIGTERM);
  int rc = pthread_sigmask(SIG_BLOCK, &mask, nullptr);
  if (rc != 0) return Status::FromErrno(rc, "blocking SIGINT and SIGTERM");
  int fd = signalfd(-1, &mask, SFD_CLOEXEC);
  if (fd < 0) return Status::FromErrno(errno, "signalfd");
  return ShutdownSignals(fd);
}

ShutdownSignals& ShutdownSignals::operator=(ShutdownSignals&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

ShutdownSignals::~ShutdownSignals() {
  if (fd_ >= 0) ::close(fd_);
}

Result<int> ShutdownSignals::Wait() {
  signalfd_siginfo info;
  while (true) {
    ssize_t n = ::read(fd_, &info, sizeof(info));
    if (n == static_cast<ssize_t>(sizeof(info))) return static_cast<int>(info.ssi_signo);
    if (n < 0 && errno == EINTR) continue;
    return Status::FromErrno(n < 0 ? errno : EIO, "reading the signalfd");
  }
}

}  // namespace sampan
