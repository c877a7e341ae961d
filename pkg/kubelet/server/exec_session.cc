#include "pkg/kubelet/server/exec_session.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "pkg/util/log.h"
#include "pkg/util/websocket.h"

namespace sampan::kubelet {
namespace {

const log::Logger kLog("kubelet");

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
  const bool v5 = protocol == kChannelProtocolV5;
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

  ws::FrameParser parser;
  bool client_gone = false;
  char buf[32 * 1024];
  auto any_open = [&] {
    for (const Output& o : outputs) {
      if (o.open) return true;
    }
    return false;
  };
  while (any_open() && !client_gone) {
    std::vector<pollfd> fds;
    fds.push_back({input.fd(), POLLIN, 0});
    for (const Output& o : outputs) fds.push_back({o.open ? o.fd : -1, POLLIN, 0});
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[0].revents != 0) {
      bool eof = false;
      parser.Feed(input.Take(&eof));
      while (true) {
        Result<std::optional<ws::Message>> next = parser.Next();
        if (!next.ok()) {
          kLog.Debug("exec: {}", next.status().message());
          out->Write(
              ws::EncodeFrame(ws::Opcode::kClose, ws::ClosePayload(ws::kCloseProtocolError)));
          client_gone = true;
          break;
        }
        if (!next->has_value()) break;
        ws::Message& m = **next;
        if (m.opcode == ws::Opcode::kClose) {
          client_gone = true;
          break;
        }
        if (m.opcode == ws::Opcode::kPing) {
          out->Write(ws::EncodeFrame(ws::Opcode::kPong, m.payload));
          continue;
        }
        if (m.opcode != ws::Opcode::kBinary && m.opcode != ws::Opcode::kText) continue;
        if (m.payload.empty()) continue;
        uint8_t channel = static_cast<uint8_t>(m.payload[0]);
        std::string_view data = std::string_view(m.payload).substr(1);
        if (channel == kStdinChannel && stdin_open) {
          if (!WriteAll(stdin_fd, data)) stdin_open = false;
        } else if (channel == kResizeChannel && request.tty) {
          if (auto size = ParseResize(data)) (void)process.Resize(size->height, size->width);
        } else if (channel == kCloseChannel && v5 && !data.empty() &&
                   static_cast<uint8_t>(data[0]) == kStdinChannel && stdin_open) {
          stdin_open = false;
          if (!request.tty) process.CloseStdin();
        }
      }
      if (eof) client_gone = true;
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
      if (o.wanted)
        out->Write(ChannelFrame(o.channel, std::string_view(buf, static_cast<size_t>(n))));
    }
  }
  if (client_gone) {
    // Nobody is listening any more: end the command instead of leaving it behind (an
    // attachment only detaches).
    process.Abandon();
    out->End();
    return;
  }
  Result<int> code = process.Wait();
  std::string status;
  if (!code.ok()) {
    status = FailureStatusJson(code.status().message());
  } else {
    if (*code != 0 && !process.start_error().empty() && request.stderr) {
      out->Write(ChannelFrame(kStderrChannel, process.start_error() + "\n"));
    }
    status = ExitStatusJson(*code, request.command);
  }
  out->Write(ChannelFrame(kErrorChannel, status));
  out->Write(ws::EncodeFrame(ws::Opcode::kClose, ws::ClosePayload(ws::kCloseNormal)));
  out->End();
}

}  // namespace sampan::kubelet
