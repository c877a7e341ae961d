#include "pkg/kubelet/server/stream_upgrade.h"

#include <vector>

#include "pkg/kubelet/server/remote_command.h"
#include "pkg/util/ascii.h"
#include "pkg/util/websocket.h"

namespace sampan::kubelet {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Every comma-separated value of every header `name`, in order.
std::vector<std::string> Values(const http::Headers& headers, std::string_view name) {
  std::vector<std::string> values;
  for (const http::Header& h : headers.all()) {
    if (!EqualsIgnoreCase(h.name, name)) continue;
    std::string_view rest = h.value;
    while (true) {
      size_t comma = rest.find(',');
      std::string_view v = Trim(rest.substr(0, comma));
      if (!v.empty()) values.emplace_back(v);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return values;
}

bool Offers(const http::Request& request, std::string_view protocol) {
  for (const std::string& v : Values(request.headers, "Upgrade")) {
    if (EqualsIgnoreCase(v, protocol)) return true;
  }
  return false;
}

StreamUpgrade WebSocketAnswer(const http::Request& request, StreamWire wire, std::string protocol) {
  StreamUpgrade u;
  u.wire = wire;
  u.response.Add("Upgrade", "websocket");
  u.response.Add("Connection", "Upgrade");
  u.response.Add("Sec-WebSocket-Accept", ws::AcceptKey(request.headers.Get("Sec-WebSocket-Key")));
  u.response.Add("Sec-WebSocket-Protocol", protocol);
  u.protocol = std::move(protocol);
  return u;
}

StreamUpgrade SpdyAnswer(std::string protocol) {
  StreamUpgrade u;
  u.wire = StreamWire::kSpdy;
  u.response.Add("Connection", "Upgrade");
  u.response.Add("Upgrade", "SPDY/3.1");
  u.response.Add("X-Stream-Protocol-Version", protocol);
  u.protocol = std::move(protocol);
  return u;
}

// The first of the client's SPDY stream protocols that is `wanted`.
bool OffersStreamProtocol(const http::Request& request, std::string_view wanted) {
  for (const std::string& v : Values(request.headers, "X-Stream-Protocol-Version")) {
    if (v == wanted) return true;
  }
  return false;
}

}  // namespace

Result<StreamUpgrade> NegotiateRemoteCommandUpgrade(const http::Request& request) {
  if (Offers(request, "SPDY/3.1")) {
    if (!OffersStreamProtocol(request, kChannelProtocolV4)) {
      return Status::BadRequest(
          "unable to upgrade: unable to negotiate protocol: client supports none of "
          "[v4.channel.k8s.io]");
    }
    return SpdyAnswer(kChannelProtocolV4);
  }
  if (Offers(request, "websocket")) {
    std::string protocol = NegotiateChannelProtocol(request.headers.Get("Sec-WebSocket-Protocol"));
    for (const std::string& offered : Values(request.headers, "Sec-WebSocket-Protocol")) {
      if (!protocol.empty()) break;
      protocol = NegotiateChannelProtocol(offered);
    }
    if (protocol.empty() || request.headers.Get("Sec-WebSocket-Key").empty()) {
      return Status::BadRequest(
          "unsupported WebSocket subprotocol: want v5.channel.k8s.io or v4.channel.k8s.io");
    }
    return WebSocketAnswer(request, StreamWire::kWebSocket, protocol);
  }
  return Status::BadRequest(
      "Upgrade request required: WebSocket (v5.channel.k8s.io, v4.channel.k8s.io) or "
      "SPDY/3.1 (v4.channel.k8s.io)");
}

Result<StreamUpgrade> NegotiatePortForwardUpgrade(const http::Request& request) {
  if (Offers(request, "SPDY/3.1")) {
    if (!OffersStreamProtocol(request, kPortForwardProtocol)) {
      return Status::BadRequest(
          "unable to upgrade: unable to negotiate protocol: client supports none of "
          "[portforward.k8s.io]");
    }
    return SpdyAnswer(kPortForwardProtocol);
  }
  if (Offers(request, "websocket")) {
    if (request.headers.Get("Sec-WebSocket-Key").empty()) {
      return Status::BadRequest("a WebSocket upgrade needs Sec-WebSocket-Key");
    }
    const std::string tunnel = std::string(kSpdyTunnelPrefix) + kPortForwardProtocol;
    std::vector<std::string> offered = Values(request.headers, "Sec-WebSocket-Protocol");
    for (const std::string& p : offered) {
      if (p == tunnel) return WebSocketAnswer(request, StreamWire::kSpdyOverWebSocket, p);
    }
    for (const std::string& p : offered) {
      if (p == kChannelProtocolV4 || p == kPortForwardProtocol) {
        return WebSocketAnswer(request, StreamWire::kWebSocket, p);
      }
    }
    return Status::BadRequest(
        "unsupported WebSocket subprotocol: want SPDY/3.1+portforward.k8s.io, "
        "v4.channel.k8s.io or portforward.k8s.io");
  }
  return Status::BadRequest("Upgrade request required: SPDY/3.1 (portforward.k8s.io) or WebSocket");
}

}  // namespace sampan::kubelet
