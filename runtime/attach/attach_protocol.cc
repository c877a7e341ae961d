#include "runtime/attach/attach_protocol.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "runtime/sys/syscalls.h"

namespace sampan::runtime {

namespace {
constexpr size_t kMaxFds = 3;
}  // namespace

Result<sockaddr_un> AttachAddress(int dir_fd, std::string_view name) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::string path = "/proc/self/fd/" + std::to_string(dir_fd) + "/" + std::string(name);
  if (path.size() >= sizeof addr.sun_path) return Status::Invalid("attach: socket name too long");
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return addr;
}

Status SendAttachMessage(int socket, std::string_view text, const std::vector<int>& fds) {
  if (fds.size() > kMaxFds) return Status::Invalid("attach: too many descriptors");
  iovec iov{const_cast<char*>(text.data()), text.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFds)] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (!fds.empty()) {
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
  }
  while (::sendmsg(socket, &msg, MSG_NOSIGNAL) < 0) {
    if (errno != EINTR) return SyscallError("attach", "sendmsg", errno);
  }
  return Status::Ok();
}

Result<AttachMessage> ReceiveAttachMessage(int socket) {
  AttachMessage out;
  char buf[kAttachMaxMessage];
  iovec iov{buf, sizeof buf};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFds)] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  while ((n = ::recvmsg(socket, &msg, MSG_CMSG_CLOEXEC)) < 0) {
    if (errno != EINTR) return SyscallError("attach", "recvmsg", errno);
  }
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
      out.fds.emplace_back(fd);
    }
  }
  if (n == 0 && out.fds.empty()) {
    out.eof = true;
    return out;
  }
  if ((msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0) {
    return Status::Invalid("attach: message too long");
  }
  out.text.assign(buf, static_cast<size_t>(n));
  return out;
}

}  // namespace sampan::runtime
