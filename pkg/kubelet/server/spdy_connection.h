#pragma once
// SpdyServerConnection: the server half of one SPDY/3.1 connection on an upgraded HTTP
// connection, as the kubelet's streaming endpoints (exec, attach, port-forward) use it: the
// client opens every stream (SYN_STREAM with headers such as streamtype, port, requestid),
// the server answers each with SYN_REPLY at once, then both sides send DATA and close their
// halves with FIN. The bytes travel raw, or tunnelled in WebSocket binary messages (what
// kubectl 1.31+ does for port-forward: subprotocol "SPDY/3.1+portforward.k8s.io").
//
// Threading: one session thread uses it (Feed and the Send methods); writes go through the
// thread-safe ResponseWriter. PINGs are answered inside Feed.

#include <chrono>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "pkg/util/byte_queue.h"
#include "pkg/util/http.h"
#include "pkg/util/spdy.h"
#include "pkg/util/status.h"
#include "pkg/util/websocket.h"

namespace sampan::kubelet {

struct SpdyEvent {
  enum class Kind {
    kNewStream,  // `headers` of a stream the client opened (already replied to)
    kData,       // `data` on `stream`
    kRemoteEnd,  // the client closed its half of `stream` (FIN) or reset it
    kGoAway,     // the client is done with the connection
  };
  Kind kind = Kind::kData;
  uint32_t stream = 0;
  spdy::HeaderBlock headers;
  std::string data;
};

class SpdyServerConnection {
 public:
  SpdyServerConnection(std::shared_ptr<http::ResponseWriter> out, bool websocket_tunnel);

  // Bytes from the client. Appends what happened to `events`; an error is a protocol
  // violation (the caller ends the connection).
  Status Feed(std::string_view bytes, std::vector<SpdyEvent>* events);

  void SendData(uint32_t stream, std::string_view data);
  // Ends our half of `stream` (an empty DATA frame with FIN). Idempotent.
  void CloseStream(uint32_t stream);
  void ResetStream(uint32_t stream, uint32_t status = spdy::kRstCancel);
  // GOAWAY, then the end of the connection (a WebSocket close first when tunnelled).
  void End();
  // GOAWAY, then waits (answering pings) until the client closes the connection or `timeout`
  // passes, then End(). What a server does after its last frames: the client's frames are
  // handled by workers that drop what they have not handled yet when the connection ends,
  // so closing first could lose the output's tail or the exit status.
  void EndAfterClient(ByteQueue& input, std::chrono::milliseconds timeout);

 private:
  void Write(std::string frame_bytes);

  std::shared_ptr<http::ResponseWriter> out_;
  const bool tunnel_;
  ws::FrameParser ws_parser_;
  spdy::FrameParser parser_;
  spdy::FrameWriter writer_;
  uint32_t last_stream_ = 0;
  std::set<uint32_t> closed_;  // streams whose half we closed
  bool goaway_sent_ = false;
  bool ended_ = false;
};

}  // namespace sampan::kubelet
