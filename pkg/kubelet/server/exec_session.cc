#include "pkg/kubelet/server/exec_session.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <vector>

#include "pkg/util/log.h"

namespace sampan::kubelet {
namespace {

const log::Logger kLog("kubelet");

// How long a SPDY client may take to open its streams after the upgrade (upstream's
// streamCreationTimeout).
constexpr std::chrono::seconds kStreamCreationTimeout{30};

// Writes all of `data` to a (blocking) pipe or pty; false once the reader is gone.
bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

void RunExecSession(runtime::ExecProcess& process, const ExecRequest& request,
                    const std::string& protocol, ByteQueue& input,
                    const std::shared_ptr<http::ResponseWriter>& out) {
  std::unique_ptr<RemoteCommandTransport> transport = NewWebSocketTransport(protocol, out);
  RunExecSession(process, request, *transport, input);
}

void RunExecSession(runtime::ExecProcess& process, const ExecRequest& request,
                    RemoteCommandTransport& transport, ByteQueue& input) {
  struct Output {
    int fd;
    uint8_t channel;
    bool wanted;
    bool open;
  };
  std::vector<Output> outputs;
  if (request.tty) {
    outputs.push_back({process.terminal(), kStdoutChannel, request.stdout, true});
  } else {
    outputs.push_back({process.stdout_fd(), kStdoutChannel, request.stdout, true});
    outputs.push_back({process.stderr_fd(), kStderrChannel, request.stderr, true});
  }
  std::erase_if(outputs, [](const Output& o) { return o.fd < 0; });
  const int stdin_fd = request.tty ? process.terminal() : process.stdin_fd();
  bool stdin_open = request.stdin && stdin_fd >= 0;

  const auto ready_deadline = std::chrono::steady_clock::now() + kStreamCreationTimeout;
  bool client_gone = false;
  char buf[32 * 1024];
  auto any_open = [&] {
    for (const Output& o : outputs) {
      if (o.open) return true;
    }
    return false;
  };
  std::vector<ChannelInput> inputs;
  while ((any_open() || !transport.ready()) && !client_gone) {
    const bool ready = transport.ready();
    int timeout_ms = -1;
    if (!ready) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          ready_deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        kLog.Info("exec: the client did not open its streams in time");
        client_gone = true;
        break;
      }
      timeout_ms = static_cast<int>(left.count());
      // WebSocket: wake when the output may go (see RemoteCommandTransport::ready).
      if (int soon = transport.ReadyInMs(); soon >= 0) timeout_ms = std::min(timeout_ms, soon);
    }
    std::vector<pollfd> fds;
    fds.push_back({input.fd(), POLLIN, 0});
    // Outputs wait for the transport: what is read before the client's streams exist
    // would have nowhere to go.
    for (const Output& o : outputs) fds.push_back({o.open && ready ? o.fd : -1, POLLIN, 0});
    if (::poll(fds.data(), fds.size(), timeout_ms) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[0].revents != 0) {
      bool eof = false;
      inputs.clear();
      if (Status s = transport.Feed(input.Take(&eof), &inputs); !s.ok()) {
        kLog.Debug("exec: {}", s.message());
        client_gone = true;
      }
      for (ChannelInput& in : inputs) {
        if (in.channel == kStdinChannel && stdin_open) {
          if (in.end) {
            stdin_open = false;
            if (!request.tty) process.CloseStdin();
          } else if (!WriteAll(stdin_fd, in.data)) {
            stdin_open = false;
          }
        } else if (in.channel == kResizeChannel && request.tty && !in.end) {
          if (auto size = ParseResize(in.data)) (void)process.Resize(size->height, size->width);
        }
      }
      if (eof || transport.client_gone()) client_gone = true;
    }
    for (size_t i = 0; i < outputs.size(); ++i) {
      Output& o = outputs[i];
      if (!o.open || fds[i + 1].revents == 0) continue;
      ssize_t n = ::read(o.fd, buf, sizeof buf);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) {  // EOF, or EIO from a pty whose other side closed
        o.open = false;
        continue;
      }
      if (o.wanted) transport.Send(o.channel, std::string_view(buf, static_cast<size_t>(n)));
    }
  }
  if (client_gone) {
    // Nobody is listening any more: end the command instead of leaving it behind (an
    // attachment only detaches).
    process.Abandon();
    transport.Abort();
    return;
  }
  Result<int> code = process.Wait();
  std::string status;
  if (!code.ok()) {
    status = FailureStatusJson(code.status().message());
  } else {
    if (*code != 0 && !process.start_error().empty() && request.stderr) {
      transport.Send(kStderrChannel, process.start_error() + "\n");
    }
    status = ExitStatusJson(*code, request.command);
  }
  transport.Finish(status);
}

}  // namespace sampan::kubelet
