#include "pkg/kubelet/server/port_forward.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/core.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <map>
#include <thread>

#include "pkg/api/log_options.h"
#include "pkg/util/log.h"
#include "pkg/util/socket_io.h"
#include "pkg/util/websocket.h"

namespace sampan::kubelet {
namespace {

const log::Logger kLog("kubelet");

std::optional<uint16_t> ParsePort(std::string_view s) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size() || value == 0 || value > 65535) {
    return std::nullopt;
  }
  return static_cast<uint16_t>(value);
}

std::string ForwardError(const PortForwardTarget& t, uint16_t port, std::string_view why) {
  return fmt::format("error forwarding port {} to pod {}, uid {}: {}", port, t.pod, t.uid, why);
}

// One forwarded connection of a SPDY session.
struct Forward {
  uint16_t port = 0;
  uint32_t error_stream = 0;
  uint32_t data_stream = 0;
  UniqueFd socket;
  bool started = false;
};

}  // namespace

Result<UniqueFd> DialLoopbackInNetns(const std::string& netns_path, uint16_t port) {
  Result<UniqueFd> result = Status::Internal("dial did not run");
  std::thread dialer([&] {
    if (!netns_path.empty()) {
      UniqueFd ns(::open(netns_path.c_str(), O_RDONLY | O_CLOEXEC));
      if (!ns.valid()) {
        result = Status::FromErrno(errno, "open " + netns_path);
        return;
      }
      if (::setns(ns.get(), CLONE_NEWNET) != 0) {
        result = Status::FromErrno(errno, "enter the pod's network namespace");
        return;
      }
    }
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd.valid()) {
      result = Status::FromErrno(errno, "socket");
      return;
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int rc;
    do {
      rc = ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) {
      int err = errno;
      std::string why = std::strerror(err);  // lowercase, as Go words it: "connection refused"
      if (!why.empty())
        why[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(why[0])));
      result =
          Status::Unavailable(fmt::format("dial tcp4 127.0.0.1:{}: connect: {}", port, why), err);
      return;
    }
    result = std::move(fd);
  });
  dialer.join();
  return result;
}

Result<std::vector<uint16_t>> ParsePortForwardPorts(std::string_view raw_query) {
  std::vector<uint16_t> ports;
  std::string_view rest = raw_query;
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos || api::UrlDecode(pair.substr(0, eq), true) != "ports") {
      continue;
    }
    std::string value = api::UrlDecode(pair.substr(eq + 1), true);
    std::string_view v = value;
    while (true) {
      size_t comma = v.find(',');
      std::string_view item = v.substr(0, comma);
      std::optional<uint16_t> port = ParsePort(item);
      if (!port) return Status::BadRequest(fmt::format("invalid port \"{}\"", item));
      ports.push_back(*port);
      if (comma == std::string_view::npos) break;
      v.remove_prefix(comma + 1);
    }
  }
  if (ports.empty()) return Status::BadRequest("query parameter \"ports\" is required");
  return ports;
}

void RunSpdyPortForward(const PortForwardTarget& target, SpdyServerConnection& conn,
                        ByteQueue& input) {
  std::map<std::string, Forward> forwards;     // by requestid
  std::map<uint32_t, std::string> request_of;  // stream -> requestid
  auto finish = [&](const std::string& id) {
    auto it = forwards.find(id);
    if (it == forwards.end()) return;
    if (it->second.data_stream != 0) conn.CloseStream(it->second.data_stream);
    if (it->second.error_stream != 0) conn.CloseStream(it->second.error_stream);
    request_of.erase(it->second.data_stream);
    request_of.erase(it->second.error_stream);
    forwards.erase(it);
  };
  auto start = [&](const std::string& id, Forward& f) {
    f.started = true;
    Result<UniqueFd> socket = target.dial(f.port);
    if (!socket.ok()) {
      std::string message = ForwardError(target, f.port, socket.status().message());
      kLog.Debug("port-forward: {}", message);
      conn.SendData(f.error_stream, message);
      finish(id);
      return;
    }
    f.socket = std::move(*socket);
  };

  bool done = false;
  char buf[32 * 1024];
  std::vector<SpdyEvent> events;
  while (!done) {
    std::vector<pollfd> fds;
    std::vector<std::string> ids;
    fds.push_back({input.fd(), POLLIN, 0});
    for (auto& [id, f] : forwards) {
      if (!f.socket.valid()) continue;
      fds.push_back({f.socket.get(), POLLIN, 0});
      ids.push_back(id);
    }
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[0].revents != 0) {
      bool eof = false;
      events.clear();
      if (Status s = conn.Feed(input.Take(&eof), &events); !s.ok()) {
        kLog.Debug("port-forward to pod {}: {}", target.pod, s.message());
        done = true;
      }
      for (SpdyEvent& e : events) {
        if (e.kind == SpdyEvent::Kind::kGoAway) {
          done = true;
          continue;
        }
        if (e.kind == SpdyEvent::Kind::kNewStream) {
          std::string_view type = spdy::HeaderValue(e.headers, "streamtype");
          std::optional<uint16_t> port = ParsePort(spdy::HeaderValue(e.headers, "port"));
          std::string id(spdy::HeaderValue(e.headers, "requestid"));
          if (!port || (type != "error" && type != "data")) {
            conn.ResetStream(e.stream, spdy::kRstRefusedStream);
            continue;
          }
          if (id.empty()) id = fmt::format("stream-{}", type == "data" ? e.stream - 2 : e.stream);
          Forward& f = forwards[id];
          f.port = *port;
          (type == "error" ? f.error_stream : f.data_stream) = e.stream;
          request_of[e.stream] = id;
          if (f.error_stream != 0 && f.data_stream != 0 && !f.started) start(id, f);
          continue;
        }
        auto rq = request_of.find(e.stream);
        if (rq == request_of.end()) continue;
        std::string id = rq->second;
        Forward& f = forwards[id];
        if (e.stream != f.data_stream) continue;  // the client writes nothing on errors
        if (e.kind == SpdyEvent::Kind::kData && f.socket.valid()) {
          if (!SendAll(f.socket.get(), e.data)) finish(id);
        } else if (e.kind == SpdyEvent::Kind::kRemoteEnd && f.socket.valid()) {
          ::shutdown(f.socket.get(), SHUT_WR);  // the pod sees the client's end
        }
      }
      if (eof) done = true;
    }
    for (size_t i = 1; i < fds.size() && !done; ++i) {
      if (fds[i].revents == 0) continue;
      auto it = forwards.find(ids[i - 1]);
      if (it == forwards.end() || !it->second.socket.valid()) continue;
      ssize_t n = ::read(it->second.socket.get(), buf, sizeof buf);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) {  // the pod side ended: so does the forwarded connection
        finish(ids[i - 1]);
        continue;
      }
      conn.SendData(it->second.data_stream, std::string_view(buf, static_cast<size_t>(n)));
    }
  }
  forwards.clear();  // closes the sockets into the pod
  conn.End();
}

void RunWebSocketPortForward(const PortForwardTarget& target, const std::vector<uint16_t>& ports,
                             const std::shared_ptr<http::ResponseWriter>& out, ByteQueue& input) {
  auto send = [&](size_t channel, std::string_view data) {
    std::string payload;
    payload.push_back(static_cast<char>(channel));
    payload.append(data);
    out->Write(ws::EncodeFrame(ws::Opcode::kBinary, payload));
  };
  std::vector<UniqueFd> sockets(ports.size());
  size_t open = 0;
  for (size_t i = 0; i < ports.size(); ++i) {
    const char port_bytes[2] = {static_cast<char>(ports[i] & 0xFF),
                                static_cast<char>(ports[i] >> 8)};
    send(2 * i, std::string_view(port_bytes, 2));
    send(2 * i + 1, std::string_view(port_bytes, 2));
    Result<UniqueFd> socket = target.dial(ports[i]);
    if (!socket.ok()) {
      send(2 * i + 1, ForwardError(target, ports[i], socket.status().message()));
      continue;
    }
    sockets[i] = std::move(*socket);
    ++open;
  }
  ws::FrameParser parser;
  bool done = open == 0;
  char buf[32 * 1024];
  while (!done) {
    std::vector<pollfd> fds;
    fds.push_back({input.fd(), POLLIN, 0});
    for (const UniqueFd& s : sockets) fds.push_back({s.get(), POLLIN, 0});
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[0].revents != 0) {
      bool eof = false;
      parser.Feed(input.Take(&eof));
      while (!done) {
        Result<std::optional<ws::Message>> next = parser.Next();
        if (!next.ok() || !next->has_value()) {
          if (!next.ok()) done = true;
          break;
        }
        ws::Message& m = **next;
        if (m.opcode == ws::Opcode::kClose) {
          done = true;
        } else if (m.opcode == ws::Opcode::kPing) {
          out->Write(ws::EncodeFrame(ws::Opcode::kPong, m.payload));
        } else if (m.opcode == ws::Opcode::kBinary && !m.payload.empty()) {
          size_t channel = static_cast<uint8_t>(m.payload[0]);
          size_t index = channel / 2;
          if (channel % 2 == 0 && index < sockets.size() && sockets[index].valid()) {
            if (!SendAll(sockets[index].get(), std::string_view(m.payload).substr(1))) {
              sockets[index].Reset();
              if (--open == 0) done = true;
            }
          }
        }
      }
      if (eof) done = true;
    }
    for (size_t i = 0; i < sockets.size() && !done; ++i) {
      if (fds[i + 1].revents == 0 || !sockets[i].valid()) continue;
      ssize_t n = ::read(sockets[i].get(), buf, sizeof buf);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) {
        sockets[i].Reset();
        if (--open == 0) done = true;
        continue;
      }
      send(2 * i, std::string_view(buf, static_cast<size_t>(n)));
    }
  }
  out->Write(ws::EncodeFrame(ws::Opcode::kClose, ws::ClosePayload(ws::kCloseNormal)));
  out->End();
}

}  // namespace sampan::kubelet
