#include "runtime/sys/console.h"

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "runtime/sys/syscalls.h"

namespace sampan::runtime {

Status SetupConsole(int socket, uint16_t rows, uint16_t cols) {
  int master = ::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) return SyscallError("console", "open(/dev/ptmx)", errno);
  UniqueFd master_fd(master);
  char name[128];
  if (::unlockpt(master) != 0) return SyscallError("console", "unlockpt", errno);
  if (::ptsname_r(master, name, sizeof name) != 0) return SyscallError("console", "ptsname", errno);
  int slave = ::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0) return SyscallError("console", std::string("open(") + name + ")", errno);
  UniqueFd slave_fd(slave);
  if (rows > 0 && cols > 0) {
    winsize ws{rows, cols, 0, 0};
    ::ioctl(slave, TIOCSWINSZ, &ws);
  }
  for (int i = 0; i < 3; ++i) {
    if (::dup2(slave, i) < 0) return SyscallError("console", "dup2", errno);
  }
  if (::ioctl(0, TIOCSCTTY, 0) != 0) return SyscallError("console", "ioctl(TIOCSCTTY)", errno);
  return SendFd(socket, master);
}

Status SendFd(int socket, int fd) {
  char byte = 'T';
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(c), &fd, sizeof(int));
  if (::sendmsg(socket, &msg, MSG_NOSIGNAL) < 0) return SyscallError("console", "sendmsg", errno);
  return Status::Ok();
}

Result<UniqueFd> ReceiveFd(int socket, int timeout_ms) {
  pollfd p{socket, POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) <= 0) return Status::Internal("console: no terminal received");
  char byte;
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  if (::recvmsg(socket, &msg, MSG_CMSG_CLOEXEC) <= 0)
    return SyscallError("console", "recvmsg", errno);
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  if (c == nullptr || c->cmsg_type != SCM_RIGHTS)
    return Status::Internal("console: no fd in message");
  int fd;
  std::memcpy(&fd, CMSG_DATA(c), sizeof(int));
  return UniqueFd(fd);
}

}  // namespace sampan::runtime
