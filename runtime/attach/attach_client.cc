#include "runtime/attach/attach_client.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>

#include "runtime/attach/attach_protocol.h"
#include "runtime/sys/syscalls.h"

namespace sampan::runtime {
namespace {

constexpr int kReplyTimeoutMs = 10'000;
// Room for output while the reader is busy: the shim drops what does not fit.
constexpr int kOutputPipeSize = 1 << 20;

class AttachedProcess final : public ExecProcess {
 public:
  pid_t pid() const override { return pid_; }
  int terminal() const override { return terminal_.get(); }
  int stdin_fd() const override { return stdin_.get(); }
  int stdout_fd() const override { return stdout_.get(); }
  int stderr_fd() const override { return stderr_.get(); }
  void CloseStdin() override {
    if (terminal_.valid()) {
      ::shutdown(terminal_.get(), SHUT_WR);
    } else {
      stdin_.Reset();
    }
  }
  Status Resize(uint16_t rows, uint16_t cols) override {
    if (!terminal_.valid()) return Status::Invalid("attach: the container has no terminal");
    return SendAttachMessage(conn_.get(),
                             "resize " + std::to_string(rows) + " " + std::to_string(cols), {});
  }
  // The streams have ended (the container exited) or the caller stops: attach has no code.
  Result<int> Wait() override { return 0; }
  const std::string& start_error() const override { return start_error_; }
  void Abandon() override {
    for (UniqueFd* fd : {&terminal_, &stdin_, &stdout_, &stderr_, &conn_}) fd->Reset();
  }

  pid_t pid_ = 0;
  UniqueFd conn_, terminal_, stdin_, stdout_, stderr_;
  std::string start_error_;
};

}  // namespace

Result<std::unique_ptr<ExecProcess>> AttachToShim(const AttachTarget& target,
                                                  const AttachOptions& options) {
  int dir = ::open(target.bundle.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return SyscallError("attach", "open(" + target.bundle + ")", errno);
  UniqueFd bundle(dir);
  int fd = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd < 0) return SyscallError("attach", "socket", errno);
  auto process = std::make_unique<AttachedProcess>();
  process->pid_ = target.pid;
  process->conn_.Reset(fd);
  ASSIGN_OR_RETURN(sockaddr_un addr, AttachAddress(dir, kAttachSocketName));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int err = errno;
    if (err == ENOENT || err == ECONNREFUSED) {
      return Status::Unavailable(
          "attach: the container's shim does not take attachments (it "
          "has exited, or was started by an older sampan)",
          err);
    }
    return SyscallError("attach", "connect", err);
  }

  std::string flags;
  std::vector<UniqueFd> theirs;  // sent to the shim, closed here afterwards
  const bool input = options.stdin && target.has_input;
  if (target.tty) {
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
      return SyscallError("attach", "socketpair", errno);
    }
    process->terminal_.Reset(pair[0]);
    UniqueFd far(pair[1]);
    if (input) {
      flags += 'i';
      int dup = ::fcntl(far.get(), F_DUPFD_CLOEXEC, 0);
      if (dup < 0) return SyscallError("attach", "dup", errno);
      theirs.emplace_back(dup);
    }
    flags += 'o';
    theirs.push_back(std::move(far));
  } else {
    if (input) {
      ASSIGN_OR_RETURN(Pipe in, MakePipe());
      process->stdin_ = std::move(in.write);
      flags += 'i';
      theirs.push_back(std::move(in.read));
    }
    // Both outputs always: the caller's session ends when they reach EOF.
    for (char stream : {'o', 'e'}) {
      ASSIGN_OR_RETURN(Pipe out, MakePipe());
      ::fcntl(out.write.get(), F_SETPIPE_SZ, kOutputPipeSize);  // best effort
      (stream == 'o' ? process->stdout_ : process->stderr_) = std::move(out.read);
      flags += stream;
      theirs.push_back(std::move(out.write));
    }
  }
  std::vector<int> raw;
  for (const UniqueFd& f : theirs) raw.push_back(f.get());
  RETURN_IF_ERROR(SendAttachMessage(fd, "attach " + flags, raw));
  theirs.clear();

  pollfd p{fd, POLLIN, 0};
  int ready;
  while ((ready = ::poll(&p, 1, kReplyTimeoutMs)) < 0 && errno == EINTR) {
  }
  if (ready <= 0) return Status::Unavailable("attach: the shim did not answer");
  ASSIGN_OR_RETURN(AttachMessage reply, ReceiveAttachMessage(fd));
  if (reply.eof) return Status::Unavailable("attach: the container has exited");
  if (reply.text != "ok") {
    return Status::Internal("attach: " +
                            (reply.text.starts_with("error ") ? reply.text.substr(6) : reply.text));
  }
  return std::unique_ptr<ExecProcess>(std::move(process));
}

}  // namespace sampan::runtime
