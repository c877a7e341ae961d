// exec: the v5.channel.k8s.io WebSocket protocol kubectl 1.30+ speaks (v4 also accepted):
// binary messages whose first byte is the channel (0 stdin, 1 stdout, 2 stderr, 3 the final
// Status, 4 terminal size; v5's 255 closes a channel). The exit code comes from the Status.
#include <fmt/format.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <random>

#include "pkg/api/log_options.h"
#include "pkg/kubectl/channel_reader.h"
#include "pkg/kubectl/commands.h"
#include "pkg/util/base64.h"
#include "pkg/util/websocket.h"

namespace sampan::kubectl {
namespace {

using api::Json;

// Puts a terminal in raw mode for the session's life (with -t on a terminal).
class RawTerminal {
 public:
  explicit RawTerminal(int fd) : fd_(fd) {
    if (::tcgetattr(fd_, &saved_) != 0) return;
    termios raw = saved_;
    ::cfmakeraw(&raw);
    active_ = ::tcsetattr(fd_, TCSANOW, &raw) == 0;
  }
  ~RawTerminal() {
    if (active_) ::tcsetattr(fd_, TCSANOW, &saved_);
  }

 private:
  int fd_;
  termios saved_{};
  bool active_ = false;
};

// The exit code a final Status carries (0 for Success).
int ExitCodeOf(const Json& status, std::ostream& err) {
  if (api::GetString(status, "status") == "Success") return 0;
  if (api::GetString(status, "reason") == "NonZeroExitCode") {
    for (const Json& cause : api::ObjectField(status, "details").value("causes", Json::array())) {
      if (api::GetString(cause, "reason") == "ExitCode") {
        try {
          return std::stoi(api::GetString(cause, "message"));
        } catch (...) {
        }
      }
    }
  }
  err << "error: " << api::GetString(status, "message") << "\n";
  return 1;
}

}  // namespace

http::Headers WebSocketUpgradeHeaders(std::string_view protocols) {
  std::random_device rd;
  std::string nonce(16, '\0');
  for (char& c : nonce) c = static_cast<char>(rd());
  http::Headers headers;
  headers.Add("Upgrade", "websocket");
  headers.Add("Sec-WebSocket-Version", "13");
  headers.Add("Sec-WebSocket-Key", Base64Encode(nonce));
  headers.Add("Sec-WebSocket-Protocol", std::string(protocols));
  return headers;
}

int RunChannelSession(Session& s, const std::string& target, int in_fd, bool tty, Io io) {
  bool in = in_fd >= 0;
  Result<std::unique_ptr<http::HttpClient>> client = http::HttpClient::New(s.client_options());
  if (!client.ok()) {
    io.err << "error: " << client.status().message() << "\n";
    return kSessionFailed;
  }
  http::Headers headers = WebSocketUpgradeHeaders("v5.channel.k8s.io, v4.channel.k8s.io");
  Result<http::Response> head = (*client)->Upgrade("GET", target, headers);
  if (!head.ok()) {
    io.err << "error: " << head.status().message() << "\n";
    return kSessionFailed;
  }
  if (head->status != 101) {
    io.err << ServerError(head->status, head->body) << "\n";
    return kSessionFailed;
  }
  bool v5 = head->headers.Get("Sec-WebSocket-Protocol") == "v5.channel.k8s.io";
  std::mt19937 masks(std::random_device{}());
  auto send = [&](uint8_t channel, std::string_view data) {
    std::string payload(1, static_cast<char>(channel));
    payload.append(data);
    return (*client)->WriteUpgraded(ws::EncodeFrame(ws::Opcode::kBinary, payload, masks()));
  };
  std::optional<RawTerminal> raw;
  if (tty && in && ::isatty(in_fd)) {
    raw.emplace(in_fd);
    winsize size{};
    if (::ioctl(in_fd, TIOCGWINSZ, &size) == 0) {
      (void)send(4, fmt::format(R"({{"Width":{},"Height":{}}})", size.ws_col, size.ws_row));
    }
  }
  ws::FrameParser parser;
  bool stdin_open = in;
  int exit_code = -1;
  while (exit_code < 0) {
    pollfd fds[2] = {{(*client)->socket_fd(), POLLIN, 0}, {stdin_open ? in_fd : -1, POLLIN, 0}};
    if (!(*client)->HasBufferedInput() && ::poll(fds, 2, -1) < 0 && errno != EINTR) break;
    if (stdin_open && (fds[1].revents & (POLLIN | POLLHUP))) {
      char buf[32 * 1024];
      ssize_t n = ::read(in_fd, buf, sizeof buf);
      if (n > 0) {
        if (!send(0, std::string_view(buf, static_cast<size_t>(n))).ok()) break;
      } else {
        stdin_open = false;
        if (v5) (void)send(255, std::string(1, '\0'));  // close the stdin channel
      }
    }
    if (!(*client)->HasBufferedInput() && !(fds[0].revents & (POLLIN | POLLHUP | POLLERR)))
      continue;
    ChannelRead read = ReadChannelMessages(
        **client, parser, /*accept_text=*/true, [&](uint8_t channel, std::string_view data) {
          if (channel == 1) {
            io.out.write(data.data(), static_cast<std::streamsize>(data.size()));
            io.out.flush();
          } else if (channel == 2) {
            io.err.write(data.data(), static_cast<std::streamsize>(data.size()));
            io.err.flush();
          } else if (channel == 3 && !data.empty()) {
            Result<Json> status = api::ParseJson(data);
            exit_code = status.ok() ? ExitCodeOf(*status, io.err) : 1;
          }
        });
    if (read == ChannelRead::kFailed) break;
    // Closed without a Status: as kubectl, success.
    if (read == ChannelRead::kClosed && exit_code < 0) exit_code = 0;
  }
  return exit_code;
}

int RunExec(Session& s, const Options& o, Io io) {
  if (o.positional().empty() || o.trailing().empty()) {
    io.err << "error: you must specify at least one command for the container\n";
    return 1;
  }
  std::string pod = o.positional()[0];
  if (pod.rfind("pod/", 0) == 0) pod = pod.substr(4);
  bool in = o.Bool("stdin"), tty = o.Bool("tty");
  std::string q = "?stdout=true&stderr=" + std::string(tty ? "false" : "true");
  if (in) q += "&stdin=true";
  if (tty) q += "&tty=true";
  if (o.Has("container")) q += "&container=" + api::UrlEncode(o.Get("container"));
  for (const std::string& c : o.trailing()) q += "&command=" + api::UrlEncode(c);
  std::string target = fmt::format("/api/v1/namespaces/{}/pods/{}/exec{}", api::UrlEncode(s.ns()),
                                   api::UrlEncode(pod), q);
  int exit_code = RunChannelSession(s, target, in ? STDIN_FILENO : -1, tty, io);
  if (exit_code == kSessionFailed) return 1;
  if (exit_code < 0) {
    io.err << "error: the connection to the pod was lost\n";
    return 1;
  }
  if (exit_code != 0 && !tty) {
    io.err << "command terminated with exit code " << exit_code << "\n";
  }
  return exit_code;
}

}  // namespace sampan::kubectl
