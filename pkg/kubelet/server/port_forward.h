#pragma once
// `kubectl port-forward` on the kubelet: TCP connections to 127.0.0.1:PORT inside the pod's
// network namespace, carried over the upgraded connection (stream_upgrade.h):
//   SPDY (raw or tunnelled in WebSocket): per forwarded connection the client opens an error
//     stream and a data stream with the same "requestid" and "port" headers; bytes go both
//     ways on the data stream; a connection that fails gets a message on its error stream;
//     both streams are closed when the pod side ends.
//   WebSocket channels (?ports=P1,P2): port i has data channel 2i and error channel 2i+1;
//     the first message on each carries the port (2 bytes, little-endian).
// Each session runs on a thread of its own until the client goes away (connections into the
// pod are then closed).

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pkg/kubelet/server/spdy_connection.h"
#include "pkg/util/byte_queue.h"
#include "pkg/util/http.h"
#include "pkg/util/status.h"
#include "pkg/util/unique_fd.h"

namespace sampan::kubelet {

// Connects to 127.0.0.1:port; the error says why not (e.g. "connection refused").
using PortDialer = std::function<Result<UniqueFd>(uint16_t port)>;

// Dials from inside the network namespace at `netns_path` ("" = the kubelet's own), on a
// short-lived thread that enters it, so no other thread changes namespace.
Result<UniqueFd> DialLoopbackInNetns(const std::string& netns_path, uint16_t port);

// The `ports` of a WebSocket port-forward query (repeated and/or comma-separated);
// BadRequest for none, or one that is not 1..65535.
Result<std::vector<uint16_t>> ParsePortForwardPorts(std::string_view raw_query);

struct PortForwardTarget {
  std::string pod;  // "namespace/name", for messages
  std::string uid;
  PortDialer dial;
};

void RunSpdyPortForward(const PortForwardTarget& target, SpdyServerConnection& conn,
                        ByteQueue& input);
void RunWebSocketPortForward(const PortForwardTarget& target, const std::vector<uint16_t>& ports,
                             const std::shared_ptr<http::ResponseWriter>& out, ByteQueue& input);

}  // namespace sampan::kubelet
