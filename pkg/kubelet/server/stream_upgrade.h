#pragma once
// How a streaming request to the kubelet (exec, attach, port-forward) asked to switch
// protocols, and the 101 answer: pure functions over the request's headers.
//
//   remote command (exec, attach):
//     WebSocket, Sec-WebSocket-Protocol v5.channel.k8s.io | v4.channel.k8s.io
//     SPDY/3.1, X-Stream-Protocol-Version v4.channel.k8s.io
//   port-forward:
//     SPDY/3.1, X-Stream-Protocol-Version portforward.k8s.io            (kubectl <= 1.30)
//     WebSocket, SPDY/3.1+portforward.k8s.io: the same SPDY in binary messages (kubectl 1.31+)
//     WebSocket, v4.channel.k8s.io | portforward.k8s.io: channels per ?ports= (other clients)

#include <string>

#include "pkg/util/http.h"
#include "pkg/util/status.h"

namespace sampan::kubelet {

inline constexpr char kPortForwardProtocol[] = "portforward.k8s.io";
inline constexpr char kSpdyTunnelPrefix[] = "SPDY/3.1+";

enum class StreamWire {
  kWebSocket,          // channel protocol in WebSocket messages
  kSpdy,               // SPDY/3.1 on the raw connection
  kSpdyOverWebSocket,  // SPDY/3.1 frames in WebSocket binary messages
};

struct StreamUpgrade {
  StreamWire wire = StreamWire::kWebSocket;
  std::string protocol;    // negotiated: v5.channel.k8s.io, portforward.k8s.io, ...
  http::Headers response;  // the 101's headers
};

// BadRequest when the request is no upgrade or offers nothing we speak (the message says
// what is wanted).
Result<StreamUpgrade> NegotiateRemoteCommandUpgrade(const http::Request& request);
Result<StreamUpgrade> NegotiatePortForwardUpgrade(const http::Request& request);

}  // namespace sampan::kubelet
