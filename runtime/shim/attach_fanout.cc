#include "runtime/shim/attach_fanout.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "runtime/attach/attach_protocol.h"
#include "runtime/sys/syscalls.h"

namespace sampan::runtime {
namespace {

void SetNonBlocking(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

// A write that never waits: false when the reader is gone (EPIPE and the like).
bool WriteSome(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return true;  // full: this attacher loses the rest
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

Result<std::unique_ptr<AttachFanout>> AttachFanout::Listen(int dir_fd, std::string_view name,
                                                           AttachFanoutOptions options) {
  int dup = ::fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);
  if (dup < 0) return SyscallError("attach", "dup", errno);
  UniqueFd dir(dup);
  int fd = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return SyscallError("attach", "socket", errno);
  UniqueFd listener(fd);
  std::string file(name);
  ::unlinkat(dir.get(), file.c_str(), 0);
  ASSIGN_OR_RETURN(sockaddr_un addr, AttachAddress(dir.get(), name));
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    return SyscallError("attach", "bind", errno);
  }
  if (::listen(fd, 8) != 0) return SyscallError("attach", "listen", errno);
  return std::unique_ptr<AttachFanout>(
      new AttachFanout(dir.Release(), std::move(file), std::move(listener), std::move(options)));
}

AttachFanout::AttachFanout(int dir_fd, std::string name, UniqueFd listener,
                           AttachFanoutOptions options)
    : dir_(dir_fd),
      name_(std::move(name)),
      listener_(std::move(listener)),
      options_(std::move(options)) {}

AttachFanout::~AttachFanout() { CloseAll(); }

void AttachFanout::SetInput(int fd) {
  input_ = input_closed_ ? -1 : fd;
  if (input_ >= 0) SetNonBlocking(input_);
}

// Entries: the listener, the container's input (POLLOUT while input waits), then per
// attacher its connection and its input.
void AttachFanout::FillPoll(std::vector<pollfd>& fds) const {
  fds.push_back({listener_.get(), POLLIN, 0});
  bool waiting = !pending_.empty() && input_ >= 0;
  fds.push_back({waiting ? input_ : -1, POLLOUT, 0});
  for (const auto& a : attachers_) {
    fds.push_back({a->conn.get(), POLLIN, 0});
    bool read_input = a->in.valid() && !waiting;
    fds.push_back({read_input ? a->in.get() : -1, POLLIN, 0});
  }
}

void AttachFanout::Dispatch(const pollfd* fds) {
  const size_t count = attachers_.size();  // Accept() below may add more
  if (fds[1].revents != 0) FlushPending();
  std::vector<bool> done(count, false);
  for (size_t i = 0; i < count; ++i) {
    Attacher& a = *attachers_[i];
    const pollfd& conn = fds[2 + 2 * i];
    const pollfd& in = fds[3 + 2 * i];
    if (in.revents != 0 && a.in.valid()) ReadInput(a);
    if (conn.revents != 0) done[i] = !OnMessage(a);
  }
  for (size_t i = count; i-- > 0;) {
    if (!done[i]) continue;
    if (attachers_[i]->had_input) InputEnded(*attachers_[i]);
    attachers_.erase(attachers_.begin() + static_cast<std::ptrdiff_t>(i));
  }
  if (fds[0].revents != 0) Accept();
}

void AttachFanout::Accept() {
  for (;;) {
    int fd = ::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) return;  // EAGAIN, or a failure the next poll retries
    auto a = std::make_unique<Attacher>();
    a->conn.Reset(fd);
    attachers_.push_back(std::move(a));
  }
}

bool AttachFanout::OnMessage(Attacher& a) {
  Result<AttachMessage> m = ReceiveAttachMessage(a.conn.get());
  if (!m.ok()) return m.status().err() == EAGAIN;
  if (m->eof) return false;
  if (!a.ready) return Handshake(a, m->text, std::move(m->fds));
  unsigned rows = 0, cols = 0;
  if (std::sscanf(m->text.c_str(), "resize %u %u", &rows, &cols) == 2 && options_.resize) {
    options_.resize(static_cast<uint16_t>(rows), static_cast<uint16_t>(cols));
  }
  return true;
}

bool AttachFanout::Handshake(Attacher& a, std::string_view text, std::vector<UniqueFd> fds) {
  auto reply = [&](std::string_view answer) { (void)SendAttachMessage(a.conn.get(), answer, {}); };
  if (!text.starts_with("attach ")) {
    reply("error bad request");
    return false;
  }
  std::string_view flags = text.substr(7);
  size_t next = 0;
  for (char f : flags) {
    if (f != 'i' && f != 'o' && f != 'e') continue;
    if (next >= fds.size()) {
      reply("error missing descriptors");
      return false;
    }
    UniqueFd fd = std::move(fds[next++]);
    SetNonBlocking(fd.get());
    if (f == 'i') {
      // No input to give (none, or closed by stdinOnce): the attacher's input is dropped.
      if (input_ >= 0 && !input_closed_) {
        a.in = std::move(fd);
        a.had_input = true;
      }
    } else if (f == 'o') {
      a.out = std::move(fd);
    } else if (!options_.tty) {
      a.err = std::move(fd);
    }
  }
  a.ready = true;
  reply("ok");
  return true;
}

void AttachFanout::ReadInput(Attacher& a) {
  char buf[4096];
  ssize_t n = ::read(a.in.get(), buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (n <= 0) {
    a.in.Reset();
    InputEnded(a);
    return;
  }
  if (input_ < 0) return;
  pending_.append(buf, static_cast<size_t>(n));
  FlushPending();
}

void AttachFanout::FlushPending() {
  while (!pending_.empty() && input_ >= 0) {
    ssize_t n = ::write(input_, pending_.data(), pending_.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    if (n <= 0) {  // the container closed its input: nothing will be read any more
      pending_.clear();
      return;
    }
    pending_.erase(0, static_cast<size_t>(n));
  }
}

void AttachFanout::InputEnded(Attacher& a) {
  a.in.Reset();
  if (!options_.stdin_once || input_closed_) return;
  input_closed_ = true;
  FlushPending();
  pending_.clear();
  input_ = -1;
  for (auto& other : attachers_) other->in.Reset();
  if (options_.close_input) options_.close_input();
}

void AttachFanout::Broadcast(bool is_stderr, std::string_view data) {
  for (auto& a : attachers_) {
    UniqueFd& fd = is_stderr && !options_.tty ? a->err : a->out;
    if (fd.valid() && !WriteSome(fd.get(), data)) fd.Reset();
  }
}

void AttachFanout::CloseAll() {
  attachers_.clear();
  if (listener_.valid()) {
    listener_.Reset();
    ::unlinkat(dir_.get(), name_.c_str(), 0);
  }
}

}  // namespace sampan::runtime
