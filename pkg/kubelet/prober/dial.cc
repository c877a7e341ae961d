#include "pkg/kubelet/prober/dial.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "pkg/util/host_port.h"
#include "pkg/util/resolver.h"

namespace sampan::kubelet::prober {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// Go spells errno texts in lower case ("connection refused").
std::string ErrnoText(int err) {
  std::string text = std::strerror(err);
  if (!text.empty() && text[0] >= 'A' && text[0] <= 'Z') text[0] = static_cast<char>(text[0] + 32);
  return text;
}

bool IsIpLiteral(const std::string& host) {
  in_addr v4;
  in6_addr v6;
  return inet_pton(AF_INET, host.c_str(), &v4) == 1 || inet_pton(AF_INET6, host.c_str(), &v6) == 1;
}

}  // namespace

Deadline DeadlineAfter(milliseconds timeout) {
  if (timeout.count() <= 0) return std::nullopt;
  return steady_clock::now() + timeout;
}

int PollTimeoutMs(const Deadline& deadline) {
  if (!deadline) return -1;
  auto left = std::chrono::ceil<milliseconds>(*deadline - steady_clock::now()).count();
  return left <= 0 ? 0 : static_cast<int>(left);
}

Socket& Socket::operator=(Socket&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

Socket::~Socket() {
  if (fd_ >= 0) ::close(fd_);
}

Result<Socket> DialTcp(const std::string& host_in, int port, const Deadline& deadline) {
  std::string host = StripBrackets(host_in);
  std::string address = host;
  if (!IsIpLiteral(host)) {
    int left = PollTimeoutMs(deadline);
    milliseconds budget = left < 0 ? milliseconds(30000) : milliseconds(left);
    Result<std::vector<std::string>> found = ResolveHost(host, budget);
    if (!found.ok() || found->empty()) {
      return Status::Unavailable("dial tcp: lookup " + host + ": " +
                                 (found.ok() ? "no such host" : found.status().message()));
    }
    address = found->front();
  }
  const std::string where = "dial tcp " + JoinHostPort(address, port);

  sockaddr_storage storage{};
  socklen_t length = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
  if (inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    length = sizeof(*v4);
  } else if (inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    length = sizeof(*v6);
  } else {
    return Status::Unavailable(where + ": invalid address");
  }
  if (port <= 0 || port > 65535) return Status::Unavailable(where + ": invalid port");

  Socket socket(::socket(storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (socket.fd() < 0) return Status::Unavailable(where + ": socket: " + ErrnoText(errno), errno);
  if (::connect(socket.fd(), reinterpret_cast<sockaddr*>(&storage), length) == 0) return socket;
  if (errno != EINPROGRESS) {
    int err = errno;
    return Status::Unavailable(where + ": connect: " + ErrnoText(err), err);
  }
  pollfd p{socket.fd(), POLLOUT, 0};
  for (;;) {
    int rc = ::poll(&p, 1, PollTimeoutMs(deadline));
    if (rc < 0 && errno == EINTR) continue;
    if (rc < 0) return Status::Unavailable(where + ": poll: " + ErrnoText(errno), errno);
    if (rc == 0) return Status::Unavailable(where + ": i/o timeout", ETIMEDOUT);
    break;
  }
  int err = 0;
  socklen_t err_len = sizeof(err);
  ::getsockopt(socket.fd(), SOL_SOCKET, SO_ERROR, &err, &err_len);
  if (err != 0) return Status::Unavailable(where + ": connect: " + ErrnoText(err), err);
  return socket;
}

}  // namespace sampan::kubelet::prober
